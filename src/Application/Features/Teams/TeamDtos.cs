using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Domain.Teams;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Teams;

/// <summary>
/// A team. <see cref="Role"/> is the caller's effective team role (org owners and admins act as team_admin),
/// <see cref="Permissions"/> what it allows on this team; <see cref="MemberLimit"/> is null when unlimited.
/// </summary>
public sealed record TeamDto(
    Guid Id,
    Guid OrganizationId,
    string Name,
    bool IsDefault,
    int MemberCount,
    int? MemberLimit,
    string? Role,
    IReadOnlyList<string> Permissions,
    DateTimeOffset CreatedAt);

/// <summary>A team as read from the database together with the caller's roles, before it becomes a <see cref="TeamDto"/>.</summary>
internal sealed record TeamRow(
    TeamId Id, OrganizationId OrganizationId, string Name, bool IsDefault, int MemberCount, DateTimeOffset CreatedAt,
    TierLimits Limits, OrgRole? OrgRole, TeamRole? TeamRole)
{
    public TeamDto ToDto() => new(
        Id.Value, OrganizationId.Value, Name, IsDefault, MemberCount, Limits.MaxMembersPerTeam,
        Permissions.EffectiveTeamRole(OrgRole, TeamRole)?.ToCode(),
        Permissions.Granted(OrgRole, TeamRole).Where(p => p.Scope == PermissionScope.Team || p == Permission.TeamDelete)
            .Select(p => p.Code).ToList(),
        CreatedAt);

    public static TeamRow Of(Team team, TierLimits limits, OrgRole? orgRole, UserId caller) => new(
        team.Id, team.OrganizationId, team.Name, team.IsDefault, team.MemberCount, team.CreatedAt, limits, orgRole, team.RoleOf(caller));
}

internal static class TeamReads
{
    /// <summary>Projects teams with the caller's organization and team roles, in one SQL query.</summary>
    public static IQueryable<TeamRow> WithCallerRoles(this IQueryable<Team> teams, IAppDbContext db, UserId caller) =>
        teams.Select(t => new TeamRow(
            t.Id, t.OrganizationId, t.Name, t.IsDefault, t.MemberCount, t.CreatedAt,
            db.Subscriptions.Where(s => s.OrganizationId == t.OrganizationId).Select(s => s.Limits).First(),
            db.Organizations.Where(o => o.Id == t.OrganizationId)
                .SelectMany(o => o.Members).Where(m => m.UserId == caller).Select(m => (OrgRole?)m.Role).FirstOrDefault(),
            t.Members.Where(m => m.UserId == caller).Select(m => (TeamRole?)m.Role).FirstOrDefault()));

    public static async Task<TeamDto> DetailsAsync(IAppDbContext db, TeamId id, UserId caller, CancellationToken cancellationToken)
    {
        var row = await db.Teams.AsNoTracking().Where(t => t.Id == id).WithCallerRoles(db, caller).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("team", id.Value);
        return row.ToDto();
    }
}
