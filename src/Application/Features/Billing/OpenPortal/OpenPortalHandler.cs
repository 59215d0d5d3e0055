using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Billing;

public sealed class OpenPortalHandler(IAppDbContext db, IBillingGateway gateway) : IRequestHandler<OpenPortalCommand, BillingUrl>
{
    public async Task<BillingUrl> Handle(OpenPortalCommand command, CancellationToken cancellationToken)
    {
        var customer = await db.Subscriptions.AsNoTracking().Where(s => s.OrganizationId == command.Id).Select(s => s.StripeCustomerId).SingleAsync(cancellationToken)
            ?? throw new RuleViolationException("billing.no_customer", "The organization has never subscribed; start with a plan's checkout.");
        return new BillingUrl(await gateway.CreatePortalSessionAsync(customer, new Uri(command.ReturnBase, $"/orgs/{command.Id.Value}/billing"),
            $"portal-{Guid.NewGuid()}", cancellationToken));
    }
}
