using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Plans;

public sealed record PlanDto(Guid Id, string Code, string Name, string Tier, TierLimitsDto Limits, QuotaDto? Quota, string? StripePriceId);

public sealed record QuotaDto(string Cpu, string Memory, int Pods);

/// <summary>Optional overrides of a tier's limits; a missing or null field keeps the tier's default.</summary>
public sealed record PlanLimitsInput(int? MaxDeployments, int? MaxMembersPerTeam, bool? CustomTemplates, bool? OrgTemplates, QuotaDto? Quota, int? MaxConcurrentTasks = null);

public static class PlanCatalog
{
    /// <summary>The plan new organizations get.</summary>
    public const string DefaultCode = "free";

    public static PlanDto ToDto(BillingPlan plan) => new(
        plan.Id.Value, plan.Code, plan.Name, plan.Tier.ToCode(), TierLimitsDto.From(plan.Limits),
        plan.Limits.Quota is { } q ? new QuotaDto(q.Cpu, q.Memory, q.Pods) : null, plan.StripePriceId);

    /// <summary>A plan by id or by code (the tier codes name the default plan of each tier).</summary>
    public static async Task<BillingPlan?> FindAsync(IAppDbContext db, string idOrCode, CancellationToken cancellationToken) =>
        Guid.TryParse(idOrCode, out var id)
            ? await db.Plans.SingleOrDefaultAsync(p => p.Id == new PlanId(id), cancellationToken)
            : await db.Plans.SingleOrDefaultAsync(p => p.Code == idOrCode.Trim().ToLower(), cancellationToken);

    /// <summary>
    /// Marks every deployment of the organizations whose plan changed, so that the save writes a cluster outbox row
    /// for each in the same transaction: the sync then applies their UserDeployments with the new tier and limits
    /// (quota, isolation) within one sync interval.
    /// </summary>
    public static async Task HandOnToDeploymentsAsync(
        IAppDbContext db, IReadOnlyCollection<OrganizationId> organizations, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (organizations.Count == 0) return;
        foreach (var deployment in await db.Deployments.Where(d => organizations.Contains(d.OrganizationId)).ToListAsync(cancellationToken))
            deployment.PlanChanged(now);
    }

    public static TierLimits Apply(Tier tier, PlanLimitsInput? input)
    {
        var defaults = TierLimits.For(tier);
        if (input is null) return defaults;
        return defaults with
        {
            MaxDeployments = input.MaxDeployments ?? defaults.MaxDeployments,
            MaxMembersPerTeam = input.MaxMembersPerTeam ?? defaults.MaxMembersPerTeam,
            CustomTemplates = input.CustomTemplates ?? defaults.CustomTemplates,
            OrgTemplates = input.OrgTemplates ?? defaults.OrgTemplates,
            Quota = input.Quota is { } q ? new ResourceQuotaLimits(q.Cpu, q.Memory, q.Pods) : defaults.Quota,
            MaxConcurrentTasks = input.MaxConcurrentTasks ?? defaults.MaxConcurrentTasks,
        };
    }

    public static void RulesForLimits<T>(this AbstractValidator<T> validator, Func<T, PlanLimitsInput?> limits)
    {
        validator.RuleFor(c => limits(c)!.MaxDeployments).InclusiveBetween(0, 100_000).When(c => limits(c)?.MaxDeployments is not null)
            .OverridePropertyName("limits.maxDeployments");
        validator.RuleFor(c => limits(c)!.MaxMembersPerTeam).InclusiveBetween(1, 100_000).When(c => limits(c)?.MaxMembersPerTeam is not null)
            .OverridePropertyName("limits.maxMembersPerTeam");
        validator.RuleFor(c => limits(c)!.MaxConcurrentTasks).InclusiveBetween(0, 100_000).When(c => limits(c)?.MaxConcurrentTasks is not null)
            .OverridePropertyName("limits.maxConcurrentTasks");
        validator.RuleFor(c => limits(c)!.Quota!.Cpu).Must(Quantity.IsCpu).When(c => limits(c)?.Quota is not null)
            .OverridePropertyName("limits.quota.cpu").WithMessage("Must be a CPU quantity such as 500m, 2 or 1.5.");
        validator.RuleFor(c => limits(c)!.Quota!.Memory).Must(Quantity.IsMemory).When(c => limits(c)?.Quota is not null)
            .OverridePropertyName("limits.quota.memory").WithMessage("Must be a memory quantity such as 512Mi or 16Gi.");
        validator.RuleFor(c => limits(c)!.Quota!.Pods).InclusiveBetween(1, 10_000).When(c => limits(c)?.Quota is not null)
            .OverridePropertyName("limits.quota.pods");
    }
}

public sealed record ListPlansQuery : IRequest<IReadOnlyList<PlanDto>>;

/// <summary>The platform's plans, and on a white-label client's host also the client's own.</summary>
public sealed class ListPlansHandler(IAppDbContext db, ICurrentClient client) : IRequestHandler<ListPlansQuery, IReadOnlyList<PlanDto>>
{
    public async Task<IReadOnlyList<PlanDto>> Handle(ListPlansQuery query, CancellationToken cancellationToken) =>
        (await db.Plans.AsNoTracking().Where(p => p.ClientId == null || p.ClientId == client.Id).ToListAsync(cancellationToken))
            .OrderBy(p => p.Tier).ThenBy(p => p.Name, StringComparer.Ordinal).Select(PlanCatalog.ToDto).ToList();
}

/// <summary>Defines a plan: a tier with limits that override the tier's defaults. Platform admins only.</summary>
public sealed record CreatePlanCommand(string? Code, string? Name, string? Tier, PlanLimitsInput? Limits) : ICommand<PlanDto>, IPlatformAdminRequest
{
    public OrganizationId? Organization => null;
}

public sealed class CreatePlanValidator : AbstractValidator<CreatePlanCommand>
{
    public CreatePlanValidator()
    {
        RuleFor(c => c.Code).Must(Slug.IsValid).WithMessage($"The code must be {Slug.Rule}.");
        RuleFor(c => c.Name).ValidDisplayName("plan name");
        RuleFor(c => c.Tier).Must(t => TierCodes.TryParse(t, out _)).WithMessage($"Must be one of: {string.Join(", ", TierCodes.All)}.");
        this.RulesForLimits(c => c.Limits);
    }
}

public sealed class CreatePlanHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<CreatePlanCommand, PlanDto>
{
    public async Task<PlanDto> Handle(CreatePlanCommand command, CancellationToken cancellationToken)
    {
        if (await db.Plans.AnyAsync(p => p.Code == command.Code, cancellationToken))
            throw new RuleViolationException("plan.code_taken", $"A plan with code '{command.Code}' already exists.");
        TierCodes.TryParse(command.Tier, out var tier);
        var plan = BillingPlan.Define(Slug.From(command.Code!), command.Name!, tier, PlanCatalog.Apply(tier, command.Limits), clock.GetUtcNow());
        db.Plans.Add(plan);
        await db.SaveChangesAsync(cancellationToken);
        return PlanCatalog.ToDto(plan);
    }
}

/// <summary>Renames a plan and sets its limits; every organization on the plan gets the new limits. Platform admins only.</summary>
public sealed record RevisePlanCommand(PlanId Id, string? Name, PlanLimitsInput? Limits, string? StripePriceId = null) : ICommand<PlanDto>, IPlatformAdminRequest
{
    public OrganizationId? Organization => null;
}

public sealed class RevisePlanValidator : AbstractValidator<RevisePlanCommand>
{
    public RevisePlanValidator()
    {
        RuleFor(c => c.Name).ValidDisplayName("plan name");
        this.RulesForLimits(c => c.Limits);
        RuleFor(c => c.StripePriceId).Matches("^price_[A-Za-z0-9_]{1,200}$").When(c => c.StripePriceId is not null)
            .WithMessage("Must be a Stripe price id (price_...).");
    }
}

public sealed class RevisePlanHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<RevisePlanCommand, PlanDto>
{
    public async Task<PlanDto> Handle(RevisePlanCommand command, CancellationToken cancellationToken)
    {
        var plan = await db.Plans.SingleOrDefaultAsync(p => p.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("plan", command.Id.Value);
        var now = clock.GetUtcNow();
        plan.Revise(command.Name!, PlanCatalog.Apply(plan.Tier, command.Limits), now, command.StripePriceId);
        var changed = new List<OrganizationId>();
        foreach (var subscription in await db.Subscriptions.Where(s => s.PlanId == plan.Id).ToListAsync(cancellationToken))
            if (subscription.ChangePlan(plan, now)) changed.Add(subscription.OrganizationId);
        await PlanCatalog.HandOnToDeploymentsAsync(db, changed, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return PlanCatalog.ToDto(plan);
    }
}
