namespace CleanScheduler.Application.Features.Billing;

public enum BillingEventOutcome
{
    Applied,
    Duplicate,
    Ignored,
}
