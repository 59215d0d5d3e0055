using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Tenancy;
using static CleanScheduler.Domain.UnitTests.TestPlans;

namespace CleanScheduler.Domain.UnitTests;

public sealed class BillingStateTests
{
    private static readonly BillingPlan Free = For(Tier.Free);
    private static readonly BillingPlan Business = For(Tier.Business);

    private static Subscription Subscription()
    {
        var (_, _, subscription) = Organization.Found("Acme", Slug.From("acme"), UserId.New(), Free, Now);
        subscription.LinkCustomer("cus_1", Now);
        subscription.ClearDomainEvents();
        return subscription;
    }

    private static BillingState State(SubscriptionStatus status, DateTimeOffset at, string id = "sub_1", DateTimeOffset? created = null) =>
        new("cus_1", id, created ?? Now, status, Now.AddDays(30), false, at);

    [Fact]
    public void An_active_subscription_takes_the_plan_and_says_the_plan_changed()
    {
        var subscription = Subscription();

        Assert.True(subscription.ApplyBilling(State(SubscriptionStatus.Active, Now), Business, Free, Now));

        Assert.Equal((Tier.Business, SubscriptionStatus.Active), (subscription.Tier, subscription.Status));
        Assert.Contains(subscription.DomainEvents, e => e is PlanChanged { To: Tier.Business });
    }

    [Fact]
    public void An_older_state_of_the_same_subscription_is_ignored()
    {
        var subscription = Subscription();
        subscription.ApplyBilling(State(SubscriptionStatus.PastDue, Now.AddMinutes(1)), Business, Free, Now);

        Assert.False(subscription.ApplyBilling(State(SubscriptionStatus.Active, Now), For(Tier.Enterprise), Free, Now));

        Assert.Equal((Tier.Business, SubscriptionStatus.PastDue), (subscription.Tier, subscription.Status));
    }

    [Fact]
    public void A_canceled_subscription_moves_to_free_and_stays_canceled()
    {
        var subscription = Subscription();
        subscription.ApplyBilling(State(SubscriptionStatus.Active, Now), Business, Free, Now);

        subscription.ApplyBilling(State(SubscriptionStatus.Canceled, Now.AddMinutes(1)), Business, Free, Now);
        subscription.ApplyBilling(State(SubscriptionStatus.Active, Now.AddMinutes(2)), Business, Free, Now);

        Assert.Equal((Tier.Free, SubscriptionStatus.Canceled), (subscription.Tier, subscription.Status));
    }

    [Fact]
    public void A_newer_subscription_replaces_a_canceled_one_but_an_older_one_does_not()
    {
        var subscription = Subscription();
        subscription.ApplyBilling(State(SubscriptionStatus.Canceled, Now, "sub_1", Now), Business, Free, Now);

        subscription.ApplyBilling(State(SubscriptionStatus.Active, Now.AddMinutes(1), "sub_0", Now.AddDays(-1)), Business, Free, Now);
        Assert.Equal(SubscriptionStatus.Canceled, subscription.Status);

        subscription.ApplyBilling(State(SubscriptionStatus.Active, Now.AddMinutes(1), "sub_2", Now.AddMinutes(1)), Business, Free, Now);
        Assert.Equal((Tier.Business, "sub_2"), (subscription.Tier, subscription.StripeSubscriptionId));
    }

    [Fact]
    public void Past_due_keeps_the_plans_limits_for_the_grace_period_then_new_use_gets_free_limits()
    {
        var subscription = Subscription();
        subscription.ApplyBilling(State(SubscriptionStatus.Active, Now), Business, Free, Now);
        subscription.ReserveDeployment(Now);

        subscription.ApplyInvoice("sub_1", paid: false, Now.AddDays(1), Now.AddDays(1));

        Assert.Equal(Now.AddDays(1) + Domain.Billing.Subscription.GracePeriod, subscription.GraceEndsAt);
        subscription.ReserveDeployment(Now.AddDays(7));   // within the grace period: Business allows five
        var error = Assert.Throws<RuleViolationException>(() => subscription.ReserveDeployment(Now.AddDays(8)));
        Assert.Equal("tier.deployment_limit", error.Code);
        Assert.Equal(TierLimits.Free, subscription.LimitsAt(Now.AddDays(8)));
        Assert.Equal((Tier.Business, 2), (subscription.Tier, subscription.ActiveDeployments));   // nothing taken away

        subscription.ApplyInvoice("sub_1", paid: true, Now.AddDays(9), Now.AddDays(9));
        Assert.Equal((SubscriptionStatus.Active, (DateTimeOffset?)null), (subscription.Status, subscription.PastDueSince));
        subscription.ReserveDeployment(Now.AddDays(9));
    }

    [Fact]
    public void An_invoice_of_another_subscription_or_older_than_the_state_changes_nothing()
    {
        var subscription = Subscription();
        subscription.ApplyBilling(State(SubscriptionStatus.Active, Now.AddMinutes(5)), Business, Free, Now);

        subscription.ApplyInvoice("sub_other", paid: false, Now.AddMinutes(6), Now);
        subscription.ApplyInvoice("sub_1", paid: false, Now.AddMinutes(4), Now);

        Assert.Equal(SubscriptionStatus.Active, subscription.Status);
    }

    [Fact]
    public void A_free_plan_has_no_price()
    {
        var error = Assert.Throws<RuleViolationException>(() => For(Tier.Free).Revise("Free", TierLimits.Free, Now, "price_1"));

        Assert.Equal("plan.free_not_for_sale", error.Code);
    }
}
