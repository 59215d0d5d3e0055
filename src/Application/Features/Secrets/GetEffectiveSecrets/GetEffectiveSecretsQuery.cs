using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>The effective set of every service of a deployment, with the tier each key comes from.</summary>
public sealed record GetEffectiveSecretsQuery(DeploymentId Id) : IRequest<IReadOnlyList<EffectiveSecretDto>>, IAuthorizedRequest
{
    public Permission Permission => Permission.SecretsList;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
