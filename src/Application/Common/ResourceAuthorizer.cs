using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Common;

/// <summary>
/// The one place that decides whether the caller may act on a tenant resource: no membership at all answers 404
/// (the resource does not exist for the caller), a membership without the permission answers 403.
/// </summary>
public sealed class ResourceAuthorizer(ICurrentUser user, IAccessReader access)
{
    private readonly Dictionary<ResourceRef, ResourceAccess> _read = [];   // per request: each resource is read once
    private readonly HashSet<(ResourceRef, Permission)> _scoped = [];   // reads filtered by Granting
    private readonly HashSet<(ResourceRef, Permission)> _allowed = [];

    /// <summary>Returns the caller's roles on the resource, or throws <see cref="NotFoundException"/> / <see cref="AccessDeniedException"/>.</summary>
    public async Task<ResourceAccess> RequireAsync(ResourceRef resource, Permission permission, CancellationToken cancellationToken)
    {
        var found = await MembershipAsync(resource, cancellationToken);
        if (!Permissions.Allows(found.OrgRole, found.TeamRole, permission))
            throw new AccessDeniedException("permission.denied",
                $"Your role ({DescribeRoles(found)}) does not allow {permission.Code} on this {Describe(resource).Name}.");
        _allowed.Add((resource, permission));
        return found;
    }

    /// <summary>
    /// For an <see cref="IAccessScopedRequest"/>: what the handler filters its read by, so that it yields rows of the team
    /// only when the caller holds <paramref name="permission"/> on it (the same roles as <see cref="RequireAsync"/>).
    /// </summary>
    public TeamGrant Granting(ResourceRef.Team team, Permission permission)
    {
        _scoped.Add((team, permission));
        var (orgRoles, teamRoles) = Permissions.RolesGranting(permission);
        return new TeamGrant(team.Id, user.Id, orgRoles, teamRoles);
    }

    /// <summary>
    /// Ends the handler's read filtered by <see cref="Granting"/>: rows found prove the permission; none leave the answer to
    /// <see cref="RequireAsync"/> (404 or 403 as for any request, or the caller may and the answer is empty).
    /// </summary>
    public async Task ConfirmAsync(ResourceRef resource, Permission permission, bool found, CancellationToken cancellationToken)
    {
        if (!found) await RequireAsync(resource, permission, cancellationToken);
        else if (_scoped.Contains((resource, permission))) _allowed.Add((resource, permission));
        else throw new InvalidOperationException($"Rows were confirmed for {permission.Code} on {resource} without a read filtered by Granting.");
    }

    /// <summary>
    /// Starts an <see cref="IAccessScopedRequest"/>: what an earlier request of the same scope confirmed or filtered does not
    /// count for this one, whose handler must confirm for itself.
    /// </summary>
    public void BeginScoped(ResourceRef resource, Permission permission)
    {
        _allowed.Remove((resource, permission));
        _scoped.Remove((resource, permission));
    }

    /// <summary>Whether <see cref="RequireAsync"/> or <see cref="ConfirmAsync"/> allowed the permission on the resource in this request.</summary>
    public bool HasAllowed(ResourceRef resource, Permission permission) => _allowed.Contains((resource, permission));

    /// <summary>The caller's roles on the resource, or <see cref="NotFoundException"/> when they hold none.</summary>
    public async Task<ResourceAccess> MembershipAsync(ResourceRef resource, CancellationToken cancellationToken)
    {
        if (_read.TryGetValue(resource, out var known)) return known;
        var (name, id) = Describe(resource);
        var found = resource switch
        {
            ResourceRef.Organization org => await access.ForOrganizationAsync(org.Id, user.Id, cancellationToken),
            ResourceRef.Team team => await access.ForTeamAsync(team.Id, user.Id, cancellationToken),
            ResourceRef.Deployment deployment => await access.ForDeploymentAsync(deployment.Id, user.Id, cancellationToken),
            _ => throw new InvalidOperationException($"Unknown resource {resource}."),
        };
        if (found is null || !found.IsMember) throw new NotFoundException(name, id);
        return _read[resource] = found;
    }

    public async Task RequirePlatformAdminAsync(OrganizationId? organization, CancellationToken cancellationToken)
    {
        if (user.IsPlatformAdmin) return;
        if (organization is { } org) await MembershipAsync(new ResourceRef.Organization(org), cancellationToken);
        throw new AccessDeniedException("platform.admin_required", "Only platform administrators can do this.");
    }

    private static (string Name, Guid Id) Describe(ResourceRef resource) => resource switch
    {
        ResourceRef.Organization org => ("organization", org.Id.Value),
        ResourceRef.Team team => ("team", team.Id.Value),
        ResourceRef.Deployment deployment => ("deployment", deployment.Id.Value),
        _ => ("resource", Guid.Empty),
    };

    private static string DescribeRoles(ResourceAccess found) =>
        string.Join(", ", new[] { found.OrgRole?.ToCode(), found.TeamRole?.ToCode() }.Where(r => r is not null));
}
