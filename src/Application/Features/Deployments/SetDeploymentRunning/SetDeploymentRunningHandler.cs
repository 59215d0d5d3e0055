using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class SetDeploymentRunningHandler(IAppDbContext db, TemplateSpecCache specs, TimeProvider clock) : IRequestHandler<SetDeploymentRunningCommand, DeploymentDetails>
{
    public async Task<DeploymentDetails> Handle(SetDeploymentRunningCommand command, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.GetAsync(command.Id, cancellationToken);
        if (command.Running) deployment.Start(clock.GetUtcNow());
        else deployment.Stop(clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return await DeploymentReads.DetailsAsync(db, specs, deployment, cancellationToken);
    }
}
