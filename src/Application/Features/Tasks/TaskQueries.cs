using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>A team's tasks or workflows, newest first, optionally only those in one phase.</summary>
public sealed record ListTaskRunsQuery(TeamId TeamId, TaskKind Kind, string? Phase, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<TaskRun>>, IAuthorizedRequest, IPagedQuery
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class ListTaskRunsValidator : AbstractValidator<ListTaskRunsQuery>
{
    public ListTaskRunsValidator()
    {
        this.RulesForPaging();
        RuleFor(q => q.TeamId).NotEqual(default(TeamId)).WithMessage("teamId is required.");
        RuleFor(q => q.Phase).Must(p => TaskCodes.TryParsePhase(p, out _)).When(q => q.Phase is not null)
            .WithMessage($"Must be one of: {string.Join(", ", Enum.GetNames<TaskPhase>())}.");
    }
}

public sealed class ListTaskRunsHandler(IAppDbContext db) : IRequestHandler<ListTaskRunsQuery, Paged<TaskRun>>
{
    public async Task<Paged<TaskRun>> Handle(ListTaskRunsQuery query, CancellationToken cancellationToken)
    {
        var tasks = db.Tasks.AsNoTracking().Where(t => t.TeamId == query.TeamId && t.Kind == query.Kind);
        if (TaskCodes.TryParsePhase(query.Phase, out var phase)) tasks = tasks.Where(t => t.Phase == phase);
        return await tasks.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).ToPageAsync(query, cancellationToken);
    }
}

/// <summary>One task or workflow of a team the caller belongs to (another tenant's, or one of the other kind: 404).</summary>
public sealed record GetTaskRunQuery(TaskRunId Id, TaskKind Kind) : IRequest<TaskRun>;

public sealed class GetTaskRunHandler(IAppDbContext db, ResourceAuthorizer authorizer) : IRequestHandler<GetTaskRunQuery, TaskRun>
{
    public async Task<TaskRun> Handle(GetTaskRunQuery query, CancellationToken cancellationToken) =>
        await TaskAccess.FindAsync(db.Tasks.AsNoTracking(), authorizer, query.Id, query.Kind, Permission.DeployRead, cancellationToken);
}

/// <summary>Cancels an unfinished task or workflow: its resource is deleted from the cluster, and it no longer counts toward the limit.</summary>
public sealed record CancelTaskRunCommand(TaskRunId Id, TaskKind Kind) : ICommand<TaskRun>;

public sealed class CancelTaskRunHandler(IAppDbContext db, ResourceAuthorizer authorizer, TaskSyncSignal signal, TimeProvider clock)
    : IRequestHandler<CancelTaskRunCommand, TaskRun>
{
    public async Task<TaskRun> Handle(CancelTaskRunCommand command, CancellationToken cancellationToken)
    {
        var task = await TaskAccess.FindAsync(db.Tasks, authorizer, command.Id, command.Kind, Permission.DeployManage, cancellationToken);
        task.Cancel(clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return task;
    }
}

public static class TaskAccess
{
    /// <summary>The task, once the caller holds <paramref name="permission"/> on its team: 404 when it does not exist for them, 403 without the role.</summary>
    public static async Task<TaskRun> FindAsync(
        IQueryable<TaskRun> tasks, ResourceAuthorizer authorizer, TaskRunId id, TaskKind kind, Permission permission, CancellationToken cancellationToken)
    {
        var name = kind == TaskKind.Task ? "task" : "workflow";
        var task = await tasks.SingleOrDefaultAsync(t => t.Id == id && t.Kind == kind, cancellationToken) ?? throw new NotFoundException(name, id.Value);
        try { await authorizer.RequireAsync(new ResourceRef.Team(task.TeamId), permission, cancellationToken); }
        catch (NotFoundException) { throw new NotFoundException(name, id.Value); }   // the team is not the caller's: the task does not exist for them
        return task;
    }
}
