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

    /// <summary>Returns the caller's roles on the resource, or throws <see cref="NotFoundException"/> / <see cref="AccessDeniedException"/>.</summary>
    public async Task<ResourceAccess> RequireAsync(ResourceRef resource, Permission permission, CancellationToken cancellationToken)
    {
        var found = await MembershipAsync(resource, cancellationToken);
        if (!Permissions.Allows(found.OrgRole, found.TeamRole, permission))
            throw new AccessDeniedException("permission.denied",
                $"Your role ({DescribeRoles(found)}) does not allow {permission.Code} on this {Describe(resource).Name}.");
        return found;
    }

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
