using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Plans;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Billing;

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
