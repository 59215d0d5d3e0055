using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// Authorizes reading a deployment's logs (<c>deploy:logs</c>) and says where its pods are. 503 <c>cluster.disabled</c>
/// when the server runs without a cluster (KUBERNETES_ENABLED=false).
/// </summary>
public sealed record GetDeploymentLogSourceQuery(DeploymentId Id, string? Service) : IRequest<DeploymentLogSource>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployLogs;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}

public sealed class GetDeploymentLogSourceValidator : AbstractValidator<GetDeploymentLogSourceQuery>
{
    public GetDeploymentLogSourceValidator() =>
        RuleFor(q => q.Service).Must(DeploymentName.IsValid).When(q => q.Service is not null)
            .WithMessage("service must be the name of one of the deployment's services.");
}

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
        return new DeploymentLogSource(options.NamespaceFor(deployment.TeamId), deployment.Name, query.Service);
    }
}
