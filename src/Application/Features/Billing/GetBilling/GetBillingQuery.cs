using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Billing;

/// <summary>The organization's subscription as billing shows it. Members may read it (the usage page's banners need it).</summary>
public sealed record GetBillingQuery(OrganizationId Id) : IRequest<BillingDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgRead;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}
