using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Teams;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Me;

public sealed record MeUser(Guid Id, string Email, string Handle, string DisplayName, bool IsPlatformAdmin);

/// <summary>
/// The caller, their organizations and the teams they act in. Teams of organizations the caller owns or
/// administers are included with the role <c>team_admin</c> and <c>inherited: true</c>.
/// </summary>
public sealed record MeTeam(Guid Id, Guid OrganizationId, string Name, bool IsDefault, string Role, bool Inherited);

/// <summary>Optional features this server has turned on (<c>templateDrafts</c>: AI drafts, with ANTHROPIC_API_KEY).</summary>
public sealed record MeCapabilities(bool TemplateDrafts);

public sealed record MeDto(MeUser User, IReadOnlyList<OrganizationSummary> Organizations, IReadOnlyList<MeTeam> Teams, MeCapabilities Capabilities);

public sealed record GetMeQuery : IRequest<MeDto>;

public sealed class GetMeHandler(IAppDbContext db, ICurrentUser caller, ICurrentClient client, MeCapabilities capabilities) : IRequestHandler<GetMeQuery, MeDto>
{
    public async Task<MeDto> Handle(GetMeQuery query, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == caller.Id)
            .Select(u => new MeUser(u.Id.Value, u.Email, u.Handle, u.DisplayName, false))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("user", caller.Id.Value);

        // Every query starts from the caller's memberships (indexed by user id), so the cost follows what the caller
        // belongs to, not how many organizations and teams the platform holds.
        var orgs = await db.OrganizationsOf(client.Id, caller.OrganizationLimit, caller.Id).ToListAsync(cancellationToken);
        var orgRoles = orgs.ToDictionary(o => o.Id, o => o.Role);

        var visibleOrgs = orgs.Select(o => o.Id).ToList();
        var own = await db.Teams.AsNoTracking()
            .Where(t => visibleOrgs.Contains(t.OrganizationId))
            .SelectMany(t => t.Members.Where(m => m.UserId == caller.Id), (t, m) => new TeamLine(t.Id, t.OrganizationId, t.Name, t.IsDefault, m.Role))
            .ToListAsync(cancellationToken);
        var administered = orgs.Where(o => o.Role is OrgRole.Owner or OrgRole.Admin).Select(o => o.Id).ToList();
        var inherited = administered.Count == 0
            ? []
            : await db.Teams.AsNoTracking()
                .Where(t => administered.Contains(t.OrganizationId))
                .Select(t => new TeamLine(t.Id, t.OrganizationId, t.Name, t.IsDefault, null))
                .ToListAsync(cancellationToken);
        var teams = own.Concat(inherited.Where(t => own.All(o => o.Id != t.Id)))
            .OrderBy(t => t.OrganizationId.Value).ThenByDescending(t => t.IsDefault).ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

        return new MeDto(
            user with { IsPlatformAdmin = caller.IsPlatformAdmin },
            orgs.Select(o => o.ToSummary()).ToList(),
            teams.Select(t =>
            {
                var effective = Permissions.EffectiveTeamRole(orgRoles.TryGetValue(t.OrganizationId, out var orgRole) ? orgRole : null, t.Own)!.Value;
                return new MeTeam(t.Id.Value, t.OrganizationId.Value, t.Name, t.IsDefault, effective.ToCode(), Inherited: effective != t.Own);
            }).ToList(),
            capabilities);
    }

    private sealed record TeamLine(TeamId Id, OrganizationId OrganizationId, string Name, bool IsDefault, TeamRole? Own);
}
