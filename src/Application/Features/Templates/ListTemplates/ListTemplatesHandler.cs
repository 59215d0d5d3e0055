using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

public sealed class ListTemplatesHandler(IAppDbContext db, ICurrentUser user, ICurrentClient client, ResourceAuthorizer authorizer)
    : IRequestHandler<ListTemplatesQuery, Paged<TemplateSummary>>
{
    public async Task<Paged<TemplateSummary>> Handle(ListTemplatesQuery query, CancellationToken cancellationToken)
    {
        IQueryable<Template> visible;
        var me = user.Id;
        if (query.TeamId is { } team)
        {
            var access = await authorizer.RequireAsync(new ResourceRef.Team(team), Permission.TemplatesRead, cancellationToken);
            OrganizationId? org = access.Organization;
            TeamId? teamId = team;
            visible = db.Templates.Where(t => t.Visibility == TemplateVisibility.System
                || (t.Visibility == TemplateVisibility.Org && t.OrganizationId == org)
                || (t.Visibility == TemplateVisibility.Team && t.TeamId == teamId)
                || (t.Visibility == TemplateVisibility.Private && t.OrganizationId == org && t.CreatedBy == me));
        }
        else
        {
            var orgs = await db.Organizations.AsNoTracking().Where(o => o.ClientId == client.Id)
                .SelectMany(o => o.Members.Where(m => m.UserId == me), (o, m) => new { o.Id, m.Role }).ToListAsync(cancellationToken);
            var memberOf = orgs.Select(o => (OrganizationId?)o.Id).ToList();
            var administered = orgs.Where(o => o.Role is OrgRole.Owner or OrgRole.Admin).Select(o => o.Id).ToList();
            var teams = await db.Teams.AsNoTracking()
                .Where(t => (t.Members.Any(m => m.UserId == me) && memberOf.Contains(t.OrganizationId)) || administered.Contains(t.OrganizationId))
                .Select(t => (TeamId?)t.Id).ToListAsync(cancellationToken);
            visible = db.Templates.Where(t => t.Visibility == TemplateVisibility.System
                || (t.Visibility == TemplateVisibility.Org && memberOf.Contains(t.OrganizationId))
                || (t.Visibility == TemplateVisibility.Team && teams.Contains(t.TeamId))
                || (t.Visibility == TemplateVisibility.Private && t.CreatedBy == me && memberOf.Contains(t.OrganizationId)));
        }
        if (query.Visibility is not null && TemplateVisibilityCodes.TryParse(query.Visibility, out var only))
            visible = visible.Where(t => t.Visibility == only);

        var page = await visible.AsNoTracking()
            .OrderBy(t => t.Visibility).ThenBy(t => t.Name).ThenBy(t => t.Id)
            .Select(t => new { t.Id, t.Name, t.Description, t.Visibility, t.OrganizationId, t.TeamId, t.CreatedBy, t.CurrentVersion, t.CreatedAt, t.UpdatedAt })
            .ToPageAsync(query, cancellationToken);
        return new Paged<TemplateSummary>(page.Items.Select(t => new TemplateSummary(
            t.Id.Value, t.Name, t.Description, t.Visibility.ToCode(), t.OrganizationId?.Value, t.TeamId?.Value, t.CreatedBy?.Value,
            t.CurrentVersion, t.CreatedAt, t.UpdatedAt)).ToList(), page.Page, page.PageSize, page.Total);
    }
}
