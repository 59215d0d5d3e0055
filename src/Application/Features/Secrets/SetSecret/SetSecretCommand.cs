using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>
/// Creates or replaces one key: organization secrets need <c>org:manage_secrets</c> (owners, admins), deployment and
/// service secrets <c>secrets:write</c> on the deployment's team (developers, team admins). The value goes to the
/// secrets backend; the database keeps that the key exists. Every deployment the key reaches is published again.
/// </summary>
public sealed record SetSecretCommand(OrganizationId OrganizationId, DeploymentId? DeploymentId, string? Service, string? Key, string? Value)
    : ICommand<SecretKeyDto>, IAuthorizedRequest
{
    public Permission Permission => DeploymentId is null ? Permission.OrgManageSecrets : Permission.SecretsWrite;
    public ResourceRef Resource => DeploymentId is { } d ? new ResourceRef.Deployment(d) : new ResourceRef.Organization(OrganizationId);
}
