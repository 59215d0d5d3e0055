using CleanScheduler.Application.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetDeploymentWorkloadsHandler(IAppDbContext db, DeploymentOptions options, IServiceProvider services)
    : IRequestHandler<GetDeploymentWorkloadsQuery, DeploymentWorkloads>
{
    public async Task<DeploymentWorkloads> Handle(GetDeploymentWorkloadsQuery query, CancellationToken cancellationToken)
    {
        var (ns, name) = await DeploymentReads.PlacementAsync<IDeploymentMetrics>(db, options, services, query.Id,
            "there are no live metrics to show.", cancellationToken);
        return new DeploymentWorkloads(ns, name);
    }
}
