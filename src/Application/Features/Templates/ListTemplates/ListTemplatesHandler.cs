using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Specifications;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using Mapster;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

public sealed class ListTemplatesHandler(IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, TemplateAccess templates, TypeAdapterConfig mapping)
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

        return await visible.AsNoTracking()
            .OrderBy(t => t.Visibility).ThenBy(t => t.Name).ThenBy(t => t.Id)
            .ProjectToType<TemplateSummary>(mapping)
            .ToPageAsync(query, cancellationToken);
    }
}
