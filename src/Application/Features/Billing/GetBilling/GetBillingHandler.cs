using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Tenancy;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Billing;

public sealed class GetBillingHandler(IAppDbContext db) : IRequestHandler<GetBillingQuery, BillingDto>
{
    public async Task<BillingDto> Handle(GetBillingQuery query, CancellationToken cancellationToken)
    {
        var s = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == query.Id, cancellationToken);
        return new BillingDto(s.PlanId.Value, s.PlanName, s.Tier.ToCode(), s.Status.ToCode(), s.CurrentPeriodEnd, s.CancelAtPeriodEnd,
            s.PastDueSince, s.GraceEndsAt, s.StripeCustomerId is not null, s.StripeSubscriptionId is not null && s.Status != SubscriptionStatus.Canceled);
    }
}
