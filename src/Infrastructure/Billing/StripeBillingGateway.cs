using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Billing;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using Microsoft.Extensions.Logging;
using Stripe;

namespace CleanScheduler.Infrastructure.Billing;

/// <summary>Stripe through Stripe.net's <see cref="StripeClient"/> (its ApiBase points at a local fake in tests).</summary>
public sealed class StripeBillingGateway(IStripeClient stripe, ILogger<StripeBillingGateway> logger) : IBillingGateway
{
    public const string OrganizationKey = "organization_id";

    public async Task<string> CreateCustomerAsync(OrganizationId organization, string name, string email, string idempotencyKey, CancellationToken cancellationToken)
    {
        var customer = await CallAsync(() => new CustomerService(stripe).CreateAsync(new CustomerCreateOptions
        {
            Name = name,
            Email = email,
            Metadata = new() { [OrganizationKey] = organization.Value.ToString() },
        }, new RequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken));
        return customer.Id;
    }

    public async Task<Uri> CreateCheckoutSessionAsync(
        string customerId, string priceId, OrganizationId organization, Uri successUrl, Uri cancelUrl, string idempotencyKey, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string> { [OrganizationKey] = organization.Value.ToString() };
        var session = await CallAsync(() => new Stripe.Checkout.SessionService(stripe).CreateAsync(new Stripe.Checkout.SessionCreateOptions
        {
            Mode = "subscription",
            Customer = customerId,
            ClientReferenceId = organization.Value.ToString(),
            LineItems = [new() { Price = priceId, Quantity = 1 }],
            SuccessUrl = successUrl.ToString(),
            CancelUrl = cancelUrl.ToString(),
            Metadata = metadata,
            SubscriptionData = new() { Metadata = metadata },
        }, new RequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken));
        return new Uri(session.Url);
    }

    public async Task<Uri> CreatePortalSessionAsync(string customerId, Uri returnUrl, string idempotencyKey, CancellationToken cancellationToken)
    {
        var session = await CallAsync(() => new Stripe.BillingPortal.SessionService(stripe).CreateAsync(new Stripe.BillingPortal.SessionCreateOptions
        {
            Customer = customerId,
            ReturnUrl = returnUrl.ToString(),
        }, new RequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken));
        return new Uri(session.Url);
    }

    public async Task<IReadOnlyList<InvoiceDto>> ListInvoicesAsync(string customerId, CancellationToken cancellationToken)
    {
        var invoices = await CallAsync(() => new InvoiceService(stripe).ListAsync(new InvoiceListOptions { Customer = customerId, Limit = 24 }, null, cancellationToken));
        return invoices.Data.Select(i => new InvoiceDto(i.Id, i.Number, Utc(i.Created), i.AmountDue, i.AmountPaid, i.Currency, i.Status, i.HostedInvoiceUrl))
            .ToList();
    }

    /// <summary>A refusal or an outage at Stripe is 503 <c>billing.unavailable</c> for the caller; its kind (never a key) goes to the log.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeException e)
        {
            logger.LogWarning("Stripe refused a request: {Status} {Type} {Code} {Param}", (int)e.HttpStatusCode, e.StripeError?.Type, e.StripeError?.Code, e.StripeError?.Param);
            throw new ServiceUnavailableException("billing.unavailable", "Stripe did not accept the request; try again shortly or contact the platform's administrators.");
        }
    }

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>
/// Verifies a webhook with Stripe.net's <see cref="EventUtility"/> (the <c>Stripe-Signature</c> HMAC under
/// STRIPE_WEBHOOK_SECRET, 300 s tolerance) and reduces the event to what billing applies.
/// </summary>
public sealed class StripeWebhook(string secret, TimeProvider clock) : IBillingWebhook
{
    public const long ToleranceSeconds = 300;

    public BillingEvent Verify(string payload, string? signatureHeader)
    {
        if (string.IsNullOrEmpty(signatureHeader)) throw new WebhookSignatureException("The Stripe-Signature header is missing.");
        Event e;
        try
        {
            e = EventUtility.ConstructEvent(payload, signatureHeader, secret, ToleranceSeconds, clock.GetUtcNow().ToUnixTimeSeconds(),
                throwOnApiVersionMismatch: false);
        }
        catch (StripeException error)
        {
            throw new WebhookSignatureException("The Stripe-Signature header does not verify (forged, stale or malformed).", error);
        }
        var created = StripeBillingGateway.Utc(e.Created);
        return e.Data.Object switch
        {
            Stripe.Checkout.Session s when e.Type == EventTypes.CheckoutSessionCompleted =>
                new BillingEvent.CheckoutCompleted(e.Id, created, s.CustomerId, Organization(s.Metadata, s.ClientReferenceId), s.SubscriptionId),
            Stripe.Subscription s when e.Type is EventTypes.CustomerSubscriptionCreated or EventTypes.CustomerSubscriptionUpdated or EventTypes.CustomerSubscriptionDeleted =>
                new BillingEvent.SubscriptionChanged(e.Id, e.Type, created, s.CustomerId, Organization(s.Metadata, null), State(s, created), s.Items?.Data.FirstOrDefault()?.Price?.Id),
            Invoice i when e.Type is EventTypes.InvoicePaid or EventTypes.InvoicePaymentFailed =>
                new BillingEvent.InvoiceSettled(e.Id, e.Type, created, i.CustomerId, i.Parent?.SubscriptionDetails?.SubscriptionId, e.Type == EventTypes.InvoicePaid),
            _ => new BillingEvent.Other(e.Id, e.Type, created),
        };
    }

    /// <summary>
    /// The subscription's state: active/trialing grant the plan; past_due and unpaid are past due (grace); canceled,
    /// incomplete_expired and paused grant Free; incomplete (first payment pending) grants nothing yet (null).
    /// </summary>
    private static BillingState? State(Stripe.Subscription s, DateTimeOffset observedAt)
    {
        SubscriptionStatus? status = s.Status switch
        {
            "active" => SubscriptionStatus.Active,
            "trialing" => SubscriptionStatus.Trialing,
            "past_due" or "unpaid" => SubscriptionStatus.PastDue,
            "canceled" or "incomplete_expired" or "paused" => SubscriptionStatus.Canceled,
            _ => null,
        };
        var periodEnd = s.Items?.Data.FirstOrDefault()?.CurrentPeriodEnd;
        return status is { } known
            ? new BillingState(s.CustomerId, s.Id, StripeBillingGateway.Utc(s.Created), known, periodEnd is { } end ? StripeBillingGateway.Utc(end) : null,
                s.CancelAtPeriodEnd, observedAt)
            : null;
    }

    private static OrganizationId? Organization(Dictionary<string, string>? metadata, string? reference) =>
        Guid.TryParse(metadata?.GetValueOrDefault(StripeBillingGateway.OrganizationKey) ?? reference, out var id) ? new OrganizationId(id) : null;
}
