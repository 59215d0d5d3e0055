using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>
/// The keys set at one tier: the organization's (no deployment), or a deployment's and its services' (optionally of
/// one service). Members of the organization list its keys; a deployment's need <c>secrets:list</c> on its team.
/// </summary>
public sealed record ListSecretsQuery(OrganizationId OrganizationId, DeploymentId? DeploymentId, string? Service)
    : IRequest<IReadOnlyList<SecretKeyDto>>, IAuthorizedRequest
{
    public Permission Permission => DeploymentId is null ? Permission.OrgRead : Permission.SecretsList;
    public ResourceRef Resource => DeploymentId is { } d ? new ResourceRef.Deployment(d) : new ResourceRef.Organization(OrganizationId);
}
