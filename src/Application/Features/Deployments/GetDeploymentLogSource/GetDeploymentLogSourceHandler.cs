using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetDeploymentLogSourceHandler(IAppDbContext db, DeploymentOptions options, IServiceProvider services)
    : IRequestHandler<GetDeploymentLogSourceQuery, DeploymentLogSource>
{
    public async Task<DeploymentLogSource> Handle(GetDeploymentLogSourceQuery query, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.AsNoTracking().Where(d => d.Id == query.Id)
            .Select(d => new { d.TeamId, d.Name }).SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("deployment", query.Id.Value);
        if (services.GetService<IDeploymentLogs>() is null)
            throw new ServiceUnavailableException("cluster.disabled",
                "This server runs without a Kubernetes cluster (KUBERNETES_ENABLED=false), so there are no logs to show. The manifests can still be downloaded.");
        return new DeploymentLogSource(options.NamespaceFor(deployment.TeamId), deployment.Name, query.Service, query.Pod);
    }
}
