using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Plans;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Billing;

/// <summary>The organization's subscription as billing shows it. Members may read it (the usage page's banners need it).</summary>
public sealed record GetBillingQuery(OrganizationId Id) : IRequest<BillingDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgRead;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class GetBillingHandler(IAppDbContext db) : IRequestHandler<GetBillingQuery, BillingDto>
{
    public async Task<BillingDto> Handle(GetBillingQuery query, CancellationToken cancellationToken)
    {
        var s = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == query.Id, cancellationToken);
        return new BillingDto(s.PlanId.Value, s.PlanName, s.Tier.ToCode(), s.Status.ToCode(), s.CurrentPeriodEnd, s.CancelAtPeriodEnd,
            s.PastDueSince, s.GraceEndsAt, s.StripeCustomerId is not null, s.StripeSubscriptionId is not null && s.Status != SubscriptionStatus.Canceled);
    }
}

/// <summary>The organization's invoices at the provider, newest first (owners only).</summary>
public sealed record ListInvoicesQuery(OrganizationId Id) : IRequest<IReadOnlyList<InvoiceDto>>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageBilling;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class ListInvoicesHandler(IAppDbContext db, IBillingGateway gateway) : IRequestHandler<ListInvoicesQuery, IReadOnlyList<InvoiceDto>>
{
    public async Task<IReadOnlyList<InvoiceDto>> Handle(ListInvoicesQuery query, CancellationToken cancellationToken)
    {
        var customer = await db.Subscriptions.AsNoTracking().Where(s => s.OrganizationId == query.Id).Select(s => s.StripeCustomerId).SingleAsync(cancellationToken);
        return customer is null ? [] : await gateway.ListInvoicesAsync(customer, cancellationToken);
    }
}

/// <summary>
/// Starts a hosted checkout for a paid plan (owners only). The organization's customer is created on its first
/// checkout, with the organization's id in its metadata; the plan changes when the provider's webhook says so.
/// </summary>
public sealed record StartCheckoutCommand(OrganizationId Id, string? PlanId, Uri ReturnBase) : ICommand<BillingUrl>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageBilling;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class StartCheckoutValidator : AbstractValidator<StartCheckoutCommand>
{
    public StartCheckoutValidator() => RuleFor(c => c.PlanId).NotEmpty().MaximumLength(100).WithMessage("Name the plan to subscribe to (its id or code).");
}

public sealed class StartCheckoutHandler(IAppDbContext db, ICurrentUser user, IBillingGateway gateway, TimeProvider clock)
    : IRequestHandler<StartCheckoutCommand, BillingUrl>
{
    public async Task<BillingUrl> Handle(StartCheckoutCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == command.Id, cancellationToken);
        var plan = await PlanCatalog.FindAsync(db, command.PlanId!, cancellationToken);
        if (plan is null || (plan.ClientId is not null && plan.ClientId != org.ClientId))
            throw new ValidationException([new FluentValidation.Results.ValidationFailure("planId", $"No plan '{command.PlanId}'.")]);
        if (plan.StripePriceId is null)
            throw new RuleViolationException("billing.plan_not_for_sale", $"The {plan.Name} plan has no price; choose a paid plan.");
        // The row lock is held until the save: a second checkout waits, then sees the first's customer and gets its session.
        var subscription = await db.LockSubscriptionAsync(command.Id, cancellationToken);
        if (subscription.StripeSubscriptionId is not null && subscription.Status != SubscriptionStatus.Canceled)
            throw new RuleViolationException("billing.already_subscribed",
                "The organization has a subscription already; change its plan or cancel it in the billing portal.");

        var now = clock.GetUtcNow();
        if (subscription.StripeCustomerId is null)
        {
            var customer = await gateway.CreateCustomerAsync(command.Id, org.Name, user.Email, $"customer-{command.Id.Value}", cancellationToken);
            subscription.LinkCustomer(customer, now);
            await db.SaveChangesAsync(cancellationToken);   // the link outlives a failing session call
            subscription = await db.LockSubscriptionAsync(command.Id, cancellationToken);
        }
        var billingPage = new Uri(command.ReturnBase, $"/orgs/{command.Id.Value}/billing");
        // One session per organization, price, return address and hour: a double click (or a retry) gets the same session
        // from Stripe, which refuses a key reused with other parameters.
        var parameters = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{plan.StripePriceId}\n{billingPage}")))[..16];
        var idempotencyKey = $"checkout-{command.Id.Value}-{now.ToUnixTimeSeconds() / 3600}-{parameters}";
        var url = await gateway.CreateCheckoutSessionAsync(subscription.StripeCustomerId!, plan.StripePriceId, command.Id,
            new Uri(billingPage + "?checkout=success"), new Uri(billingPage + "?checkout=canceled"), idempotencyKey, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);   // ends the lock
        return new BillingUrl(url);
    }
}

/// <summary>Opens the provider's customer portal for the organization (owners only; after a first checkout).</summary>
public sealed record OpenPortalCommand(OrganizationId Id, Uri ReturnBase) : ICommand<BillingUrl>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageBilling;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class OpenPortalHandler(IAppDbContext db, IBillingGateway gateway) : IRequestHandler<OpenPortalCommand, BillingUrl>
{
    public async Task<BillingUrl> Handle(OpenPortalCommand command, CancellationToken cancellationToken)
    {
        var customer = await db.Subscriptions.AsNoTracking().Where(s => s.OrganizationId == command.Id).Select(s => s.StripeCustomerId).SingleAsync(cancellationToken)
            ?? throw new RuleViolationException("billing.no_customer", "The organization has never subscribed; start with a plan's checkout.");
        return new BillingUrl(await gateway.CreatePortalSessionAsync(customer, new Uri(command.ReturnBase, $"/orgs/{command.Id.Value}/billing"),
            $"portal-{Guid.NewGuid()}", cancellationToken));
    }
}

public enum BillingEventOutcome
{
    Applied,
    Duplicate,
    Ignored,
}

/// <summary>
/// Applies a verified provider event once (its id is recorded in the same transaction as its effect) and safely out of
/// order (<see cref="Subscription.ApplyBilling"/> keeps the newest state). A plan change reaches the cluster as an
/// admin's does: every deployment of the organization gets an outbox row.
/// </summary>
public sealed record ApplyBillingEventCommand(BillingEvent Event) : ICommand<BillingEventOutcome>;

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
