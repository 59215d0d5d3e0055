using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>Removes one key (404 <c>secret.not_found</c> when it is not set there); permissions as <see cref="SetSecretCommand"/>.</summary>
public sealed record DeleteSecretCommand(OrganizationId OrganizationId, DeploymentId? DeploymentId, string? Service, string? Key)
    : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => DeploymentId is null ? Permission.OrgManageSecrets : Permission.SecretsWrite;
    public ResourceRef Resource => DeploymentId is { } d ? new ResourceRef.Deployment(d) : new ResourceRef.Organization(OrganizationId);
}
