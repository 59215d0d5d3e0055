using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

/// <summary>Moves an organization to another tier. Platform admins only; billing will drive this later.</summary>
public sealed record SetOrganizationPlanCommand(OrganizationId Id, string? Plan) : ICommand<OrganizationDetails>, IPlatformAdminRequest
{
    public OrganizationId? Organization => Id;
}

public sealed class SetOrganizationPlanValidator : AbstractValidator<SetOrganizationPlanCommand>
{
    public SetOrganizationPlanValidator() =>
        RuleFor(c => c.Plan).Must(p => TierCodes.TryParse(p, out _))
            .WithMessage($"Must be one of: {string.Join(", ", TierCodes.All)}.");
}

public sealed class SetOrganizationPlanHandler(IAppDbContext db, ICurrentUser user, TimeProvider clock)
    : IRequestHandler<SetOrganizationPlanCommand, OrganizationDetails>
{
    public async Task<OrganizationDetails> Handle(SetOrganizationPlanCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.Id, cancellationToken);
        TierCodes.TryParse(command.Plan, out var tier);
        org.ChangeTier(tier, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return await OrganizationReads.DetailsAsync(db, command.Id, user.Id, cancellationToken);
    }
}
