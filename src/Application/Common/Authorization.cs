using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Common;

/// <summary>The tenant resource a request acts on: an organization or a team.</summary>
public abstract record ResourceRef
{
    public sealed record Organization(OrganizationId Id) : ResourceRef;
    public sealed record Team(TeamId Id) : ResourceRef;
    public sealed record Deployment(DeploymentId Id) : ResourceRef;
}

/// <summary>
/// A request that needs <see cref="Permission"/> on <see cref="Resource"/>. The authorization behaviour checks it
/// against the caller's memberships before the handler runs: no membership at all answers 404 (the resource does
/// not exist for the caller), a membership without the permission answers 403.
/// </summary>
public interface IAuthorizedRequest
{
    Permission Permission { get; }
    ResourceRef Resource { get; }
}

/// <summary>
/// A request whose handler applies the check of <see cref="IAuthorizedRequest"/> inside its own read, to spare a round trip:
/// it filters by <see cref="ResourceAuthorizer.Granting"/> and ends with <see cref="ResourceAuthorizer.ConfirmAsync"/>, which
/// answers 404/403 exactly as before the handler would have when the read found nothing. The authorization behaviour
/// refuses the response of a handler that did not confirm.
/// </summary>
public interface IAccessScopedRequest : IAuthorizedRequest;

/// <summary>
/// A request only platform admins may make. Others get 403 when they can see <see cref="Organization"/>
/// (they are members), and 404 otherwise.
/// </summary>
public interface IPlatformAdminRequest
{
    OrganizationId? Organization { get; }
}

/// <summary>What the caller holds on a resource; null roles mean no membership at that level.</summary>
public sealed record ResourceAccess(OrganizationId Organization, OrgRole? OrgRole, TeamRole? TeamRole, TeamId? Team = null)
{
    public bool IsMember => OrgRole is not null || TeamRole is not null;
    public TeamRole? EffectiveTeamRole => Permissions.EffectiveTeamRole(OrgRole, TeamRole);
}

/// <summary>Reads the caller's roles on a resource; null when the resource does not exist.</summary>
public interface IAccessReader
{
    Task<ResourceAccess?> ForOrganizationAsync(OrganizationId organization, UserId user, CancellationToken cancellationToken);
    Task<ResourceAccess?> ForTeamAsync(TeamId team, UserId user, CancellationToken cancellationToken);
    Task<ResourceAccess?> ForDeploymentAsync(DeploymentId deployment, UserId user, CancellationToken cancellationToken);
}

/// <summary>
/// What a read filtered by access needs (<see cref="ResourceAuthorizer.Granting"/>): rows of <see cref="Team"/> are read
/// only where <see cref="User"/> holds one of these roles, in the team's organization or in the team, seen as
/// <see cref="IAccessReader.ForTeamAsync"/> sees them (the request's white-label client and organization limit). The roles
/// are those that grant the permission (<see cref="Permissions.RolesGranting"/>).
/// </summary>
public sealed record TeamGrant(TeamId Team, UserId User, IReadOnlyList<OrgRole> OrgRoles, IReadOnlyList<TeamRole> TeamRoles);
