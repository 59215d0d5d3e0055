using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetDeploymentWorkloadsHandler(IAppDbContext db, DeploymentOptions options, IServiceProvider services)
    : IRequestHandler<GetDeploymentWorkloadsQuery, DeploymentWorkloads>
{
    public async Task<DeploymentWorkloads> Handle(GetDeploymentWorkloadsQuery query, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.AsNoTracking().Where(d => d.Id == query.Id)
            .Select(d => new { d.TeamId, d.Name }).SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("deployment", query.Id.Value);
        if (services.GetService<IDeploymentMetrics>() is null)
            throw new ServiceUnavailableException("cluster.disabled",
                "This server runs without a Kubernetes cluster (KUBERNETES_ENABLED=false), so there are no live metrics to show.");
        return new DeploymentWorkloads(options.NamespaceFor(deployment.TeamId), deployment.Name);
    }
}
