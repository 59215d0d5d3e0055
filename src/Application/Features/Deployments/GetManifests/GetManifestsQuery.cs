using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// The Kubernetes objects of a deployment as multi-document YAML: exactly what the operator applies. Secret values
/// are included only for callers who may read secrets (team admins, developers); for others they are redacted.
/// Works without a cluster. A deployment whose text renders past the limits (stored before they existed) is a 422.
/// </summary>
public sealed record GetManifestsQuery(DeploymentId Id) : IRequest<Manifests>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
