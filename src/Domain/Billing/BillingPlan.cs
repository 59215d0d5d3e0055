using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Domain.Billing;

/// <summary>
/// A plan organizations subscribe to: a tier, and the limits in force (the tier's defaults unless the plan
/// overrides them). The platform has one default plan per tier (codes <c>free</c>, <c>business</c>,
/// <c>enterprise</c>); platform admins may define more, for example a Business plan with 20 deployments.
/// </summary>
public sealed class BillingPlan : AggregateRoot<PlanId>
{
    private BillingPlan() { }

    public string Code { get; private set; } = null!;
    public string Name { get; private set; } = null!;
    public Tier Tier { get; private set; }
    public TierLimits Limits { get; private set; } = null!;
    public ClientId? ClientId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The payment provider's price an organization subscribes to for this plan; null: not for sale (Free).</summary>
    public string? StripePriceId { get; private set; }

    public static BillingPlan Define(Slug code, string name, Tier tier, TierLimits limits, DateTimeOffset now, ClientId? client = null) =>
        new()
        {
            Id = PlanId.New(),
            Code = code.Value,
            Name = DisplayName.From(name, "plan name"),
            Tier = tier,
            Limits = limits,
            ClientId = client,
            CreatedAt = now,
        };

    public void Revise(string name, TierLimits limits, DateTimeOffset now, string? stripePriceId = null)
    {
        Name = DisplayName.From(name, "plan name");
        if (stripePriceId is not null && Tier == Tier.Free)
            throw new RuleViolationException("plan.free_not_for_sale", "A Free plan has no price; only paid plans map to a Stripe price.");
        StripePriceId = stripePriceId;
        if (Limits == limits) return;
        Limits = limits;
        Raise(new PlanRevised(Id, limits, now));
    }
}

public sealed record PlanRevised(PlanId Plan, TierLimits Limits, DateTimeOffset OccurredAt) : IDomainEvent;
