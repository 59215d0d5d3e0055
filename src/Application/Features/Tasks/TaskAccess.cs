using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Tasks;

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
