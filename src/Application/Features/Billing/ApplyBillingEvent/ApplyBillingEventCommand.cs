using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Billing;

namespace CleanScheduler.Application.Features.Billing;

/// <summary>
/// Applies a verified provider event once (its id is recorded in the same transaction as its effect) and safely out of
/// order (<see cref="Subscription.ApplyBilling"/> keeps the newest state). A plan change reaches the cluster as an
/// admin's does: every deployment of the organization gets an outbox row.
/// </summary>
public sealed record ApplyBillingEventCommand(BillingEvent Event) : ICommand<BillingEventOutcome>;
