using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Plans;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

/// <summary>
/// Moves an organization to another plan, named by code (<c>free</c>, <c>business</c>, <c>enterprise</c>, or a custom
/// plan's code) or by id. Platform admins only; billing will drive this later. The new tier and limits reach every
/// deployment of the organization in the cluster (outbox rows written in the same transaction).
/// </summary>
public sealed record SetOrganizationPlanCommand(OrganizationId Id, string? Plan) : ICommand<OrganizationDetails>, IPlatformAdminRequest
{
    public OrganizationId? Organization => Id;
}

public sealed class SetOrganizationPlanValidator : AbstractValidator<SetOrganizationPlanCommand>
{
    public SetOrganizationPlanValidator() =>
        RuleFor(c => c.Plan).NotEmpty().MaximumLength(100).WithMessage("Name a plan: free, business, enterprise, or a plan's code or id.");
}

public sealed class SetOrganizationPlanHandler(IAppDbContext db, ICurrentUser user, TimeProvider clock)
    : IRequestHandler<SetOrganizationPlanCommand, OrganizationDetails>
{
    public async Task<OrganizationDetails> Handle(SetOrganizationPlanCommand command, CancellationToken cancellationToken)
    {
        if (!await db.Organizations.AnyAsync(o => o.Id == command.Id, cancellationToken))
            throw new NotFoundException("organization", command.Id.Value);
        var plan = await PlanCatalog.FindAsync(db, command.Plan!, cancellationToken) ?? throw new ValidationException(
            [new FluentValidation.Results.ValidationFailure("plan", $"No plan '{command.Plan}'. Known: free, business, enterprise, or a plan's code or id.")]);

        var subscription = await db.Subscriptions.OfAsync(command.Id, cancellationToken);
        var now = clock.GetUtcNow();
        if (subscription.ChangePlan(plan, now)) await PlanCatalog.HandOnToDeploymentsAsync(db, [command.Id], now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return await OrganizationReads.DetailsAsync(db, command.Id, user.Id, cancellationToken);
    }
}
