using CleanScheduler.Application.Common;
using FluentValidation;
using MediatR;

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
        var page = await db.OrganizationsOf(client.Id, user.OrganizationLimit, user.Id).ToPageAsync(query, cancellationToken);
        return new Paged<OrganizationSummary>(page.Items.Select(o => o.ToSummary()).ToList(), page.Page, page.PageSize, page.Total);
    }
}
