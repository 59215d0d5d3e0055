using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// Authorizes reading a deployment's live metrics (<c>deploy:read</c>) and says where its workloads are. 503
/// <c>cluster.disabled</c> when the server runs without a cluster (KUBERNETES_ENABLED=false).
/// </summary>
public sealed record GetDeploymentWorkloadsQuery(DeploymentId Id) : IRequest<DeploymentWorkloads>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
