using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Specifications;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

public sealed class ListTemplatesHandler(IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, TemplateAccess templates)
    : IRequestHandler<ListTemplatesQuery, Paged<TemplateSummary>>
{
    public async Task<Paged<TemplateSummary>> Handle(ListTemplatesQuery query, CancellationToken cancellationToken)
    {
        IQueryable<Template> visible;
        if (query.TeamId is { } team)
        {
            var access = await authorizer.RequireAsync(new ResourceRef.Team(team), Permission.TemplatesRead, cancellationToken);
            visible = db.Templates.WithSpecification(new TemplatesUsableInTeam(access.Organization, team, user.Id));
        }
        else visible = templates.Visible();
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
