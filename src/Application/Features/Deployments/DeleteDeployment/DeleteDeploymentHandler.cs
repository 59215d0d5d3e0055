using CleanScheduler.Application.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class DeleteDeploymentHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<DeleteDeploymentCommand, Unit>
{
    public async Task<Unit> Handle(DeleteDeploymentCommand command, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.GetAsync(command.Id, cancellationToken);
        var subscription = await db.LockSubscriptionAsync(deployment.OrganizationId, cancellationToken);
        var now = clock.GetUtcNow();
        subscription.ReleaseDeployment(now);
        deployment.Delete(now);
        db.Deployments.Remove(deployment);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
