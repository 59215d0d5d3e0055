using CleanScheduler.Application.Common;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class DeleteDeploymentHandler(IAppDbContext db, Secrets.SecretScopeCleanup secrets, TimeProvider clock) : IRequestHandler<DeleteDeploymentCommand, Unit>
{
    public async Task<Unit> Handle(DeleteDeploymentCommand command, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.GetAsync(command.Id, cancellationToken);
        var deploymentId = (Domain.Common.DeploymentId?)command.Id;
        var services = await db.Secrets.Where(x => x.DeploymentId == deploymentId && x.Service != null).Select(x => x.Service!).Distinct().ToListAsync(cancellationToken);
        var subscription = await db.LockSubscriptionAsync(deployment.OrganizationId, cancellationToken);
        var now = clock.GetUtcNow();
        subscription.ReleaseDeployment(now);
        deployment.Delete(now);
        db.Deployments.Remove(deployment);
        await db.SaveChangesAsync(cancellationToken);
        var (org, id) = (deployment.OrganizationId.Value, deployment.Id.Value);
        await secrets.RemoveAsync([SecretScope.ForDeployment(org, id), .. services.Select(service => SecretScope.ForService(org, id, service))], cancellationToken);
        return Unit.Value;
    }
}
