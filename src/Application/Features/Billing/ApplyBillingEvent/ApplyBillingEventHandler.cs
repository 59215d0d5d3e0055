using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Plans;
using CleanScheduler.Domain.Billing;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Billing;

public sealed class ApplyBillingEventHandler(IAppDbContext db, TimeProvider clock, ILogger<ApplyBillingEventHandler> logger)
    : IRequestHandler<ApplyBillingEventCommand, BillingEventOutcome>
{
    public async Task<BillingEventOutcome> Handle(ApplyBillingEventCommand command, CancellationToken cancellationToken)
    {
        var e = command.Event;
        if (await db.BillingEvents.AnyAsync(r => r.Id == e.Id, cancellationToken)) return BillingEventOutcome.Duplicate;
        var now = clock.GetUtcNow();
        db.BillingEvents.Add(new BillingEventRecord(e.Id, e.Type, now));

        var subscription = await FindAsync(e, cancellationToken);
        var outcome = BillingEventOutcome.Applied;
        if (subscription is null)
        {
            logger.LogWarning("Stripe event {EventId} ({Type}) names no organization of ours; recorded, nothing applied", e.Id, e.Type);
            outcome = BillingEventOutcome.Ignored;
        }
        else
        {
            switch (e)
            {
                case BillingEvent.CheckoutCompleted { CustomerId: { } customer } when subscription.StripeCustomerId is null:
                    subscription.LinkCustomer(customer, now);
                    break;
                case BillingEvent.SubscriptionChanged { State: { } state } changed:
                    var plan = changed.PriceId is null ? null : await db.Plans.SingleOrDefaultAsync(p => p.StripePriceId == changed.PriceId, cancellationToken);
                    if (plan is null && state.Status != SubscriptionStatus.Canceled)
                        logger.LogWarning("Stripe event {EventId}: no plan has price {PriceId}; the plan stays", e.Id, changed.PriceId);
                    if (plan?.ClientId is { } planClient
                        && planClient != await db.Organizations.Where(o => o.Id == subscription.OrganizationId).Select(o => o.ClientId).SingleAsync(cancellationToken))
                    {
                        // Another white-label client's price (a portal configured with too many prices): not this organization's to take.
                        logger.LogWarning("Stripe event {EventId}: price {PriceId} belongs to another client's plan than organization {OrganizationId}'s; the plan stays",
                            e.Id, changed.PriceId, subscription.OrganizationId.Value);
                        plan = null;
                    }
                    var free = await PlanCatalog.FindAsync(db, PlanCatalog.DefaultCode, cancellationToken)
                        ?? throw new InvalidOperationException("The Free plan is missing.");
                    if (subscription.ApplyBilling(state, plan, free, now))
                        await PlanCatalog.HandOnToDeploymentsAsync(db, [subscription.OrganizationId], now, cancellationToken);
                    break;
                case BillingEvent.InvoiceSettled { SubscriptionId: { } id } invoice:
                    subscription.ApplyInvoice(id, invoice.Paid, invoice.Created, now);
                    break;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return outcome;
    }

    private async Task<Subscription?> FindAsync(BillingEvent e, CancellationToken cancellationToken)
    {
        if (e.CustomerId is { } customer && await db.Subscriptions.SingleOrDefaultAsync(s => s.StripeCustomerId == customer, cancellationToken) is { } byCustomer)
            return byCustomer;
        return e.Organization is { } org ? await db.Subscriptions.SingleOrDefaultAsync(s => s.OrganizationId == org, cancellationToken) : null;
    }
}
