using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Billing;

/// <summary>The organization's invoices at the provider, newest first (owners only).</summary>
public sealed record ListInvoicesQuery(OrganizationId Id) : IRequest<IReadOnlyList<InvoiceDto>>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageBilling;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}
