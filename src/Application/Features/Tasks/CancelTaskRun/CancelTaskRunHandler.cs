using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Tasks;
using MediatR;

namespace CleanScheduler.Application.Features.Tasks;

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
