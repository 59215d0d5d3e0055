using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Plans;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Tenancy;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

/// <summary>Founds an organization: the caller becomes its owner and the admin of its default team, in one transaction.</summary>
public sealed record CreateOrganizationCommand(string? Name, string? Slug) : ICommand<OrganizationDetails>;

public sealed class CreateOrganizationValidator : AbstractValidator<CreateOrganizationCommand>
{
    public CreateOrganizationValidator()
    {
        RuleFor(c => c.Name).ValidDisplayName("organization name");
        RuleFor(c => c.Slug).Must(Slug.IsValid).When(c => c.Slug is not null).WithMessage($"The slug must be {Slug.Rule}.");
        RuleFor(c => c.Slug).Must((c, _) => Slug.Derive(c.Name!) is not null)
            .When(c => c.Slug is null && DisplayName.IsValid(c.Name))
            .WithMessage("No slug can be derived from this name; give one explicitly.");
    }
}

public sealed class CreateOrganizationHandler(IAppDbContext db, ICurrentUser user, ICurrentClient client, TimeProvider clock)
    : IRequestHandler<CreateOrganizationCommand, OrganizationDetails>
{
    public async Task<OrganizationDetails> Handle(CreateOrganizationCommand command, CancellationToken cancellationToken)
    {
        if (user.OrganizationLimit is not null)
            throw new AccessDeniedException("auth.organization_limited", "This API token is limited to one organization; it cannot found another.");
        var slug = command.Slug is null ? Slug.Derive(command.Name!)!.Value : Slug.From(command.Slug);
        if (await db.Organizations.AnyAsync(o => o.Slug == slug.Value, cancellationToken))
            throw new RuleViolationException("org.slug_taken", $"The slug '{slug}' is already taken; choose another.");

        var plan = await db.Plans.SingleAsync(p => p.Code == PlanCatalog.DefaultCode, cancellationToken);
        var (org, defaultTeam, subscription) = Organization.Found(command.Name!, slug, user.Id, plan, clock.GetUtcNow(), client.Id);
        db.Organizations.Add(org);
        db.Teams.Add(defaultTeam);
        db.Subscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);

        return new OrganizationDetails(
            org.Id.Value, org.Name, org.Slug, plan.Tier.ToCode(), new PlanRef(plan.Id.Value, plan.Name, plan.Tier.ToCode()),
            TierLimitsDto.From(plan.Limits),
            OrgRole.Owner.ToCode(), OrganizationReads.GrantedCodes(OrgRole.Owner), defaultTeam.Id.Value,
            MemberCount: 1, TeamCount: 1, org.CreatedAt);
    }
}
