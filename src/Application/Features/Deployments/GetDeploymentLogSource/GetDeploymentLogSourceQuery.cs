using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// Authorizes reading a deployment's logs (<c>deploy:logs</c>) and says where its pods are (all, one service's, or one
/// pod's). 503 <c>cluster.disabled</c> when the server runs without a cluster (KUBERNETES_ENABLED=false).
/// </summary>
public sealed record GetDeploymentLogSourceQuery(DeploymentId Id, string? Service, string? Pod = null) : IRequest<DeploymentLogSource>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployLogs;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
