using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Organizations;

public sealed record GetOrganizationQuery(OrganizationId Id) : IRequest<OrganizationDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgRead;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class GetOrganizationHandler(IAppDbContext db, ICurrentUser user) : IRequestHandler<GetOrganizationQuery, OrganizationDetails>
{
    public Task<OrganizationDetails> Handle(GetOrganizationQuery query, CancellationToken cancellationToken) =>
        OrganizationReads.DetailsAsync(db, query.Id, user.Id, cancellationToken);
}
