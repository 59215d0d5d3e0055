using Ardalis.Specification;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// The templates a caller sees (the list without a team; reading, changing or deleting one by id): system templates,
/// the org templates of <paramref name="memberOf"/>, the team templates of <paramref name="readableTeams"/>, and
/// <paramref name="user"/>'s private templates in an organization they still belong to. Pass the sets as queries
/// (<see cref="TemplateAccess.Visible"/> does), so the whole rule runs as one SQL statement.
/// </summary>
public sealed class TemplatesVisibleTo : Specification<Template>
{
    public TemplatesVisibleTo(IQueryable<OrganizationId> memberOf, IQueryable<TeamId> readableTeams, UserId user) =>
        Query.Where(t => t.Visibility == TemplateVisibility.System
            || (t.Visibility == TemplateVisibility.Org && memberOf.Any(o => o == t.OrganizationId))
            || (t.Visibility == TemplateVisibility.Team && readableTeams.Any(team => team == t.TeamId))
            || (t.Visibility == TemplateVisibility.Private && t.CreatedBy == user && memberOf.Any(o => o == t.OrganizationId)));
}

/// <summary>
/// The templates usable in <paramref name="team"/> of <paramref name="organization"/> by <paramref name="user"/> (the
/// list for a team, launching a deployment): system templates, the organization's org templates, the team's own team
/// templates and the user's private templates in the organization. Narrower than <see cref="TemplatesVisibleTo"/> on
/// purpose: a team template of another team is not offered, even to an owner who sees it. The caller's access to the
/// team is checked before.
/// </summary>
public sealed class TemplatesUsableInTeam : Specification<Template>
{
    public TemplatesUsableInTeam(OrganizationId organization, TeamId team, UserId user) =>
        Query.Where(t => t.Visibility == TemplateVisibility.System
            || (t.Visibility == TemplateVisibility.Org && t.OrganizationId == organization)
            || (t.Visibility == TemplateVisibility.Team && t.TeamId == team)
            || (t.Visibility == TemplateVisibility.Private && t.OrganizationId == organization && t.CreatedBy == user));
}
