using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Billing;

/// <summary>
/// Starts a hosted checkout for a paid plan (owners only). The organization's customer is created on its first
/// checkout, with the organization's id in its metadata; the plan changes when the provider's webhook says so.
/// </summary>
public sealed record StartCheckoutCommand(OrganizationId Id, string? PlanId, Uri ReturnBase) : ICommand<BillingUrl>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageBilling;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}
