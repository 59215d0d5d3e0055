using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Billing;

/// <summary>The payment provider as billing needs it: customers, hosted checkout and portal pages, invoices.</summary>
public interface IBillingGateway
{
    /// <summary>Creates the organization's customer (its id in the metadata); the same key answers the same customer.</summary>
    Task<string> CreateCustomerAsync(OrganizationId organization, string name, string email, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>A hosted checkout page subscribing <paramref name="customerId"/> to <paramref name="priceId"/>; its URL.</summary>
    Task<Uri> CreateCheckoutSessionAsync(
        string customerId, string priceId, OrganizationId organization, Uri successUrl, Uri cancelUrl, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>The hosted customer portal (payment methods, plan change, cancellation); its URL.</summary>
    Task<Uri> CreatePortalSessionAsync(string customerId, Uri returnUrl, string idempotencyKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<InvoiceDto>> ListInvoicesAsync(string customerId, CancellationToken cancellationToken);
}

/// <summary>Turns a signed webhook request into a <see cref="BillingEvent"/>, or throws <see cref="WebhookSignatureException"/>.</summary>
public interface IBillingWebhook
{
    BillingEvent Verify(string payload, string? signatureHeader);
}

/// <summary>The webhook's signature is missing, forged or stale (or the payload is not an event): nothing is applied.</summary>
public sealed class WebhookSignatureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Whether billing is on (BILLING_ENABLED); off, every billing route answers 404.</summary>
public sealed record BillingOptions(bool Enabled);

/// <summary>A verified provider event, reduced to what billing applies.</summary>
public abstract record BillingEvent(string Id, string Type, DateTimeOffset Created, string? CustomerId, OrganizationId? Organization)
{
    /// <summary><c>checkout.session.completed</c>: the customer paid for a subscription.</summary>
    public sealed record CheckoutCompleted(string Id, DateTimeOffset Created, string? CustomerId, OrganizationId? Organization, string? SubscriptionId)
        : BillingEvent(Id, "checkout.session.completed", Created, CustomerId, Organization);

    /// <summary><c>customer.subscription.created/updated/deleted</c>: the subscription's state; null when it grants nothing yet (incomplete).</summary>
    public sealed record SubscriptionChanged(string Id, string Type, DateTimeOffset Created, string CustomerId, OrganizationId? Organization, BillingState? State, string? PriceId)
        : BillingEvent(Id, Type, Created, CustomerId, Organization);

    /// <summary><c>invoice.paid</c> / <c>invoice.payment_failed</c> of a subscription.</summary>
    public sealed record InvoiceSettled(string Id, string Type, DateTimeOffset Created, string? CustomerId, string? SubscriptionId, bool Paid)
        : BillingEvent(Id, Type, Created, CustomerId, null);

    /// <summary>Any other event type: recorded, nothing applied.</summary>
    public sealed record Other(string Id, string Type, DateTimeOffset Created) : BillingEvent(Id, Type, Created, null, null);
}

/// <summary>An applied provider event (its id), so that a redelivery is applied once.</summary>
public sealed class BillingEventRecord
{
    private BillingEventRecord() { }

    public BillingEventRecord(string id, string type, DateTimeOffset receivedAt) => (Id, Type, ReceivedAt) = (id, type, receivedAt);

    public string Id { get; private set; } = null!;
    public string Type { get; private set; } = null!;
    public DateTimeOffset ReceivedAt { get; private set; }
}

public sealed record InvoiceDto(string Id, string? Number, DateTimeOffset Date, long AmountDue, long AmountPaid, string Currency, string Status, string? HostedUrl);

public sealed record BillingDto(
    Guid PlanId, string PlanName, string Tier, string Status, DateTimeOffset? CurrentPeriodEnd, bool CancelAtPeriodEnd,
    DateTimeOffset? PastDueSince, DateTimeOffset? GraceEndsAt, bool HasCustomer, bool Subscribed);

public sealed record BillingUrl(Uri Url);
