using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Tenancy;
using static CleanScheduler.Domain.UnitTests.TestPlans;

namespace CleanScheduler.Domain.UnitTests;

public sealed class SubscriptionTests
{
    private static Subscription Start(Tier tier)
    {
        var (_, _, subscription) = Organization.Found("Acme", Slug.From("acme"), UserId.New(), For(Tier.Free), Now);
        subscription.ChangePlan(For(tier), Now);
        subscription.ClearDomainEvents();
        return subscription;
    }

    [Theory]
    [InlineData(Tier.Free, 1)]
    [InlineData(Tier.Business, 5)]
    public void Deployments_are_reserved_up_to_the_plans_limit(Tier tier, int limit)
    {
        var subscription = Start(tier);
        for (var i = 0; i < limit; i++) subscription.ReserveDeployment(Now);

        var error = Assert.Throws<RuleViolationException>(() => subscription.ReserveDeployment(Now));

        Assert.Equal("tier.deployment_limit", error.Code);
        Assert.Equal(limit, subscription.ActiveDeployments);
    }

    [Fact]
    public void Enterprise_has_no_deployment_limit_and_releases_free_a_slot()
    {
        var subscription = Start(Tier.Enterprise);
        for (var i = 0; i < 500; i++) subscription.ReserveDeployment(Now);
        subscription.ReleaseDeployment(Now);

        Assert.Equal(499, subscription.ActiveDeployments);
    }

    [Fact]
    public void A_downgrade_keeps_what_exists_and_blocks_what_is_beyond_the_new_limit()
    {
        var subscription = Start(Tier.Business);
        for (var i = 0; i < 3; i++) subscription.ReserveDeployment(Now);

        subscription.ChangePlan(For(Tier.Free), Now);

        Assert.Equal(3, subscription.ActiveDeployments);
        Assert.Throws<RuleViolationException>(() => subscription.ReserveDeployment(Now));
        var changed = Assert.IsType<PlanChanged>(Assert.Single(subscription.DomainEvents));
        Assert.Equal((Tier.Business, Tier.Free), (changed.From, changed.To));
    }

    [Fact]
    public void A_plan_can_override_its_tiers_limits()
    {
        var roomy = BillingPlan.Define(Slug.From("business-plus"), "Business Plus", Tier.Business, TierLimits.Business with { MaxDeployments = 20 }, Now);
        var subscription = Start(Tier.Free);

        subscription.ChangePlan(roomy, Now);
        for (var i = 0; i < 20; i++) subscription.ReserveDeployment(Now);

        Assert.Throws<RuleViolationException>(() => subscription.ReserveDeployment(Now));
        Assert.Equal("Business Plus", subscription.PlanName);
    }

    [Fact]
    public void Changing_the_plan_says_whether_anything_changed_so_that_deployments_are_told_only_then()
    {
        var business = For(Tier.Business);
        var subscription = Start(Tier.Free);
        Assert.True(subscription.ChangePlan(business, Now));
        subscription.ClearDomainEvents();

        Assert.False(subscription.ChangePlan(business, Now));
        Assert.Empty(subscription.DomainEvents);
        Assert.True(subscription.ChangePlan(For(Tier.Enterprise), Now));
        Assert.Equal(Tier.Enterprise, Assert.IsType<PlanChanged>(Assert.Single(subscription.DomainEvents)).To);
    }

    [Theory]
    [InlineData(Tier.Free, false, "tier.custom_templates")]
    [InlineData(Tier.Business, false, null)]
    [InlineData(Tier.Business, true, "tier.org_templates")]
    [InlineData(Tier.Enterprise, true, null)]
    public void Template_visibility_follows_the_tier(Tier tier, bool orgWide, string? refusal)
    {
        var subscription = Start(tier);

        var error = Record.Exception(() => subscription.EnsureTemplateVisibilityAllowed(orgWide ? "org" : "team", orgWide, Now));

        Assert.Equal(refusal, (error as RuleViolationException)?.Code);
    }

    [Fact]
    public void Status_codes_round_trip()
    {
        foreach (var status in Enum.GetValues<SubscriptionStatus>())
            Assert.Equal(status, SubscriptionStatusCodes.Parse(status.ToCode()));
        Assert.Equal("past_due", SubscriptionStatus.PastDue.ToCode());
    }
}

public sealed class QuantityTests
{
    [Theory]
    [InlineData("100m", true)]
    [InlineData("0.5", true)]
    [InlineData("2", true)]
    [InlineData("1.25", true)]
    [InlineData("0", false)]
    [InlineData("-1", false)]
    [InlineData("1Gi", false)]
    [InlineData("1.5m", false)]
    [InlineData("abc", false)]
    [InlineData("", false)]
    [InlineData("5000", false)]
    public void Cpu(string text, bool valid) => Assert.Equal(valid, Quantity.IsCpu(text));

    [Theory]
    [InlineData("128Mi", true)]
    [InlineData("1Gi", true)]
    [InlineData("500M", true)]
    [InlineData("1048576", true)]
    [InlineData("1.5Gi", false)]
    [InlineData("100m", false)]
    [InlineData("1GB", false)]
    [InlineData("0", false)]
    [InlineData("9Ti", false)]
    public void Memory(string text, bool valid) => Assert.Equal(valid, Quantity.IsMemory(text));

    [Fact]
    public void Values_compare_across_suffixes()
    {
        Assert.Equal(0.1m, Quantity.Parse("100m"));
        Assert.Equal(Quantity.Parse("1Gi"), Quantity.Parse("1024Mi"));
        Assert.True(Quantity.Parse("1G") < Quantity.Parse("1Gi"));
    }
}
