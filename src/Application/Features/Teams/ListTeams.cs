using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Teams;

/// <summary>The teams of an organization (any member may list them), default team first, then by name.</summary>
public sealed record ListTeamsQuery(OrganizationId OrganizationId, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<TeamDto>>, IAuthorizedRequest, IPagedQuery
{
    public Permission Permission => Permission.OrgRead;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class ListTeamsValidator : AbstractValidator<ListTeamsQuery>
{
    public ListTeamsValidator() => this.RulesForPaging();
}

public sealed class ListTeamsHandler(IAppDbContext db, ICurrentUser user) : IRequestHandler<ListTeamsQuery, Paged<TeamDto>>
{
    public async Task<Paged<TeamDto>> Handle(ListTeamsQuery query, CancellationToken cancellationToken)
    {
        var page = await db.Teams.AsNoTracking()
            .Where(t => t.OrganizationId == query.OrganizationId)
            .OrderByDescending(t => t.IsDefault).ThenBy(t => t.Name).ThenBy(t => t.Id)
            .WithCallerRoles(db, user.Id)
            .ToPageAsync(query, cancellationToken);
        return new Paged<TeamDto>(page.Items.Select(r => r.ToDto()).ToList(), page.Page, page.PageSize, page.Total);
    }
}
