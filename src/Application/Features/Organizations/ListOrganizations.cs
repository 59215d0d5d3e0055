using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Tenancy;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

/// <summary>The organizations the caller belongs to, by name.</summary>
public sealed record ListOrganizationsQuery(int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<OrganizationSummary>>, IPagedQuery;

public sealed class ListOrganizationsValidator : AbstractValidator<ListOrganizationsQuery>
{
    public ListOrganizationsValidator() => this.RulesForPaging();
}

public sealed class ListOrganizationsHandler(IAppDbContext db, ICurrentUser user, ICurrentClient client)
    : IRequestHandler<ListOrganizationsQuery, Paged<OrganizationSummary>>
{
    public async Task<Paged<OrganizationSummary>> Handle(ListOrganizationsQuery query, CancellationToken cancellationToken)
    {
        var page = await db.Organizations.AsNoTracking()
            .Where(o => o.ClientId == client.Id)
            .SelectMany(o => o.Members.Where(m => m.UserId == user.Id), (o, m) => new
            {
                o.Id, o.Name, o.Slug, o.CreatedAt, m.Role,
                Tier = db.Subscriptions.Where(s => s.OrganizationId == o.Id).Select(s => s.Tier).First(),
            })
            .OrderBy(o => o.Name).ThenBy(o => o.Id)
            .ToPageAsync(query, cancellationToken);
        return new Paged<OrganizationSummary>(
            page.Items.Select(o => new OrganizationSummary(o.Id.Value, o.Name, o.Slug, o.Tier.ToCode(), o.Role.ToCode(), o.CreatedAt)).ToList(),
            page.Page, page.PageSize, page.Total);
    }
}
