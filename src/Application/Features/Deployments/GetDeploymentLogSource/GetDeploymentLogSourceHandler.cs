using CleanScheduler.Application.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetDeploymentLogSourceHandler(IAppDbContext db, DeploymentOptions options, IServiceProvider services)
    : IRequestHandler<GetDeploymentLogSourceQuery, DeploymentLogSource>
{
    public async Task<DeploymentLogSource> Handle(GetDeploymentLogSourceQuery query, CancellationToken cancellationToken)
    {
        var (ns, name) = await DeploymentReads.PlacementAsync<IDeploymentLogs>(db, options, services, query.Id,
            "there are no logs to show. The manifests can still be downloaded.", cancellationToken);
        return new DeploymentLogSource(ns, name, query.Service, query.Pod);
    }
}
