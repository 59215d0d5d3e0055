using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Domain.UnitTests;

internal static class TestPlans
{
    public static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public static BillingPlan For(Tier tier) => BillingPlan.Define(Slug.From(tier.ToCode()), tier.DisplayName(), tier, TierLimits.For(tier), Now);
}
