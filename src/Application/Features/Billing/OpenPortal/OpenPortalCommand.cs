using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Billing;

/// <summary>Opens the provider's customer portal for the organization (owners only; after a first checkout).</summary>
public sealed record OpenPortalCommand(OrganizationId Id, Uri ReturnBase) : ICommand<BillingUrl>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageBilling;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}
