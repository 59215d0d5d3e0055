using CleanScheduler.Application.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Billing;

public sealed class ListInvoicesHandler(IAppDbContext db, IBillingGateway gateway) : IRequestHandler<ListInvoicesQuery, IReadOnlyList<InvoiceDto>>
{
    public async Task<IReadOnlyList<InvoiceDto>> Handle(ListInvoicesQuery query, CancellationToken cancellationToken)
    {
        var customer = await db.Subscriptions.AsNoTracking().Where(s => s.OrganizationId == query.Id).Select(s => s.StripeCustomerId).SingleAsync(cancellationToken);
        return customer is null ? [] : await gateway.ListInvoicesAsync(customer, cancellationToken);
    }
}
