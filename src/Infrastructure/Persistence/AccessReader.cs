using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>Reads the caller's roles on an organization or a team in one query each.</summary>
public sealed class AccessReader(AppDbContext db) : IAccessReader
{
    public async Task<ResourceAccess?> ForOrganizationAsync(OrganizationId organization, UserId user, CancellationToken cancellationToken)
    {
        var row = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == organization)
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
        var row = await db.Teams.AsNoTracking()
            .Where(t => t.Id == team)
            .Select(t => new
            {
                t.OrganizationId,
                OrgRole = db.Organizations.Where(o => o.Id == t.OrganizationId).SelectMany(o => o.Members)
                    .Where(m => m.UserId == user).Select(m => (OrgRole?)m.Role).FirstOrDefault(),
                TeamRole = t.Members.Where(m => m.UserId == user).Select(m => (TeamRole?)m.Role).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : new ResourceAccess(row.OrganizationId, row.OrgRole, row.TeamRole, team);
    }

    public async Task<ResourceAccess?> ForDeploymentAsync(DeploymentId deployment, UserId user, CancellationToken cancellationToken)
    {
        var row = await db.Deployments.AsNoTracking()
            .Where(d => d.Id == deployment)
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
