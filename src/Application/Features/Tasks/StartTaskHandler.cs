using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>
/// Both starts: the team must be the caller's (404 otherwise), the role must allow creating (403), and the organization
/// must have room under its plan's limit on unfinished tasks (409 <c>tier.task_limit</c>). The unfinished tasks are
/// counted under the subscription's row lock, so of racing starts only as many pass as the limit allows.
/// </summary>
public sealed class StartTaskHandler(IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, TaskSyncSignal signal, TimeProvider clock)
    : IRequestHandler<CreateTaskCommand, TaskDto>, IRequestHandler<CreateWorkflowCommand, WorkflowDto>
{
    public async Task<TaskDto> Handle(CreateTaskCommand command, CancellationToken cancellationToken) => TaskMapping.ToTaskDto(
        await StartAsync(command.TeamId, TaskKind.Task, [new TaskStep(TaskRun.SingleStep, TaskInputValidator.ToDefinition(command.Task!))], cancellationToken));

    public async Task<WorkflowDto> Handle(CreateWorkflowCommand command, CancellationToken cancellationToken) => TaskMapping.ToWorkflowDto(
        await StartAsync(command.TeamId, TaskKind.Workflow,
            command.Steps!.Select(s => new TaskStep(s!.Name!, TaskInputValidator.ToDefinition(s.Task!))).ToList(), cancellationToken));

    private async Task<TaskRun> StartAsync(TeamId team, TaskKind kind, IReadOnlyList<TaskStep> steps, CancellationToken cancellationToken)
    {
        var organization = (await authorizer.MembershipAsync(new ResourceRef.Team(team), cancellationToken)).Organization;
        var subscription = await db.LockSubscriptionAsync(organization, cancellationToken);
        var unfinished = await db.Tasks.CountAsync(t => t.OrganizationId == organization && (t.Phase == TaskPhase.Pending || t.Phase == TaskPhase.Running),
            cancellationToken);   // after the lock: every start that took it before has committed
        var task = subscription.StartTask(team, organization, user.Id, kind, steps, unfinished, clock.GetUtcNow());
        db.Tasks.Add(task);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return task;
    }
}
