using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// Reads the caller's roles on an organization, team or deployment in one query each. Resources of organizations that
/// belong to another white-label client than the request's, or that lie outside the request's organization limit
/// (<see cref="ICurrentUser.OrganizationLimit"/>), are reported as missing.
/// </summary>
public sealed class AccessReader(AppDbContext db, ICurrentClient client, ICurrentUser caller) : IAccessReader
{
    public async Task<ResourceAccess?> ForOrganizationAsync(OrganizationId organization, UserId user, CancellationToken cancellationToken)
    {
        var only = caller.OrganizationLimit;
        var anyOrganization = only is null;   // a bool, not `only == null` in the tree: EF compiles such a test on every call
        var row = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == organization && o.ClientId == client.Id && (anyOrganization || o.Id == only))
            .Select(o => new
            {
                o.Id,
                Role = o.Members.Where(m => m.UserId == user).Select(m => (OrgRole?)m.Role).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : new ResourceAccess(row.Id, row.Role, null);
    }

    public async Task<ResourceAccess?> ForTeamAsync(TeamId team, UserId user, CancellationToken cancellationToken)
    {
        var row = await TeamAccess(db, team, user, client.Id, caller.OrganizationLimit, cancellationToken);
        return row is null ? null : new ResourceAccess(row.Organization, row.OrgRole, row.TeamRole, team);
    }

    private sealed record AccessRow(OrganizationId Organization, OrgRole? OrgRole, TeamRole? TeamRole);

    /// <summary>Compiled once: nearly every request reads it, and EF's per-call query preparation showed in the profile.</summary>
    private static readonly Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, CancellationToken, Task<AccessRow?>> TeamAccess =
        EF.CompileAsyncQuery((AppDbContext db, TeamId team, UserId user, ClientId? client, OrganizationId? only, CancellationToken _) => db.Teams
            .AsNoTracking()
            .Where(t => t.Id == team && db.Organizations.Any(o => o.Id == t.OrganizationId && o.ClientId == client && o.Id == (only ?? o.Id)))
            .Select(t => new AccessRow(
                t.OrganizationId,
                db.Organizations.Where(o => o.Id == t.OrganizationId).SelectMany(o => o.Members)
                    .Where(m => m.UserId == user).Select(m => (OrgRole?)m.Role).FirstOrDefault(),
                t.Members.Where(m => m.UserId == user).Select(m => (TeamRole?)m.Role).FirstOrDefault()))
            .SingleOrDefault());

    public async Task<ResourceAccess?> ForDeploymentAsync(DeploymentId deployment, UserId user, CancellationToken cancellationToken)
    {
        var only = caller.OrganizationLimit;
        var anyOrganization = only is null;
        var row = await db.Deployments.AsNoTracking()
            .Where(d => d.Id == deployment && db.Organizations.Any(o => o.Id == d.OrganizationId && o.ClientId == client.Id && (anyOrganization || o.Id == only)))
            .Select(d => new
            {
                d.OrganizationId,
                d.TeamId,
                OrgRole = db.Organizations.Where(o => o.Id == d.OrganizationId).SelectMany(o => o.Members)
                    .Where(m => m.UserId == user).Select(m => (OrgRole?)m.Role).FirstOrDefault(),
                TeamRole = db.Teams.Where(t => t.Id == d.TeamId).SelectMany(t => t.Members)
                    .Where(m => m.UserId == user).Select(m => (TeamRole?)m.Role).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : new ResourceAccess(row.OrganizationId, row.OrgRole, row.TeamRole, row.TeamId);
    }
}
