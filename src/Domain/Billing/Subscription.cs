using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Domain.Billing;

public enum SubscriptionStatus
{
    Active = 0,
    Trialing = 1,
    PastDue = 2,
    Canceled = 3,
}

/// <summary>
/// What an organization may use and what it uses: its plan (with a snapshot of the plan's limits, kept up to date
/// when the plan changes) and the usage counters the limits apply to. The counters live here because the rules do:
/// each reservation updates this one small row, so racing reservations cannot both pass a limit.
/// </summary>
public sealed class Subscription : AggregateRoot<SubscriptionId>
{
    private Subscription() { }

    public OrganizationId OrganizationId { get; private set; }
    public PlanId PlanId { get; private set; }
    public string PlanName { get; private set; } = null!;
    public Tier Tier { get; private set; }
    public TierLimits Limits { get; private set; } = null!;
    public SubscriptionStatus Status { get; private set; }
    public int ActiveDeployments { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    internal static Subscription Start(OrganizationId organization, BillingPlan plan, DateTimeOffset now) => new()
    {
        Id = SubscriptionId.New(),
        OrganizationId = organization,
        PlanId = plan.Id,
        PlanName = plan.Name,
        Tier = plan.Tier,
        Limits = plan.Limits,
        Status = SubscriptionStatus.Active,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>
    /// Moves to another plan (or takes a revised plan's limits); false when nothing changed. A downgrade deletes
    /// nothing: it only blocks new use beyond the new limits. The caller hands the change on to the organization's
    /// deployments (<see cref="Deployment.PlanChanged"/>): their quota and isolation in the cluster follow the plan.
    /// </summary>
    public bool ChangePlan(BillingPlan plan, DateTimeOffset now)
    {
        if (plan.Id == PlanId && plan.Limits == Limits && plan.Name == PlanName && plan.Tier == Tier) return false;
        var previous = Tier;
        (PlanId, PlanName, Tier, Limits, UpdatedAt) = (plan.Id, plan.Name, plan.Tier, plan.Limits, now);
        Raise(new PlanChanged(OrganizationId, plan.Id, previous, plan.Tier, now));
        return true;
    }

    /// <summary>Takes one deployment slot, or refuses when the plan's limit is reached.</summary>
    public void ReserveDeployment(DateTimeOffset now)
    {
        if (Limits.MaxDeployments is int max && ActiveDeployments >= max)
            throw new RuleViolationException("tier.deployment_limit",
                $"The {PlanName} plan allows {max} deployment{(max == 1 ? "" : "s")} per organization; delete one or upgrade the plan.");
        ActiveDeployments++;
        UpdatedAt = now;
    }

    /// <summary>
    /// Launches a deployment for <paramref name="team"/> (of <paramref name="teamOrganization"/>), taking one of the plan's
    /// deployment slots or refusing with <c>tier.deployment_limit</c>. This row's version guards the count against
    /// racing launches.
    /// </summary>
    public Deployment LaunchDeployment(
        TeamId team, OrganizationId teamOrganization, DeploymentName name, UserId owner, string ownerHandle, string deploymentDomain,
        TemplateId template, int templateVersion, IReadOnlyDictionary<string, string> values, IEnumerable<SecretValue> secrets,
        DateTimeOffset now)
    {
        if (teamOrganization != OrganizationId)
            throw new InvalidOperationException("The team belongs to another organization.");
        ReserveDeployment(now);
        return Deployment.Launch(OrganizationId, team, name, owner, ownerHandle, deploymentDomain, template, templateVersion, values, secrets, now);
    }

    public void ReleaseDeployment(DateTimeOffset now)
    {
        if (ActiveDeployments > 0) ActiveDeployments--;
        UpdatedAt = now;
    }

    /// <summary>The "members per team" rule, for a team that holds <paramref name="members"/> members now.</summary>
    public void EnsureTeamHasRoom(int members)
    {
        if (Limits.MaxMembersPerTeam is int max && members >= max)
            throw new RuleViolationException("tier.team_member_limit",
                $"The {PlanName} plan allows {max} member{(max == 1 ? "" : "s")} per team; upgrade the plan to add more.");
    }

    /// <summary>Whether the plan lets the organization have templates of its own with this visibility.</summary>
    public void EnsureTemplateVisibilityAllowed(string visibility, bool orgWide)
    {
        if (!Limits.CustomTemplates)
            throw new RuleViolationException("tier.custom_templates",
                $"The {PlanName} plan allows only system templates; upgrade to Business for {visibility} templates.");
        if (orgWide && !Limits.OrgTemplates)
            throw new RuleViolationException("tier.org_templates",
                $"The {PlanName} plan does not allow organization-wide templates; upgrade to Enterprise.");
    }
}

public sealed record PlanChanged(OrganizationId Organization, PlanId Plan, Tier From, Tier To, DateTimeOffset OccurredAt) : IDomainEvent;

public static class SubscriptionStatusCodes
{
    public static string ToCode(this SubscriptionStatus status) => status switch
    {
        SubscriptionStatus.Trialing => "trialing",
        SubscriptionStatus.PastDue => "past_due",
        SubscriptionStatus.Canceled => "canceled",
        _ => "active",
    };

    public static SubscriptionStatus Parse(string code) => code switch
    {
        "trialing" => SubscriptionStatus.Trialing,
        "past_due" => SubscriptionStatus.PastDue,
        "canceled" => SubscriptionStatus.Canceled,
        "active" => SubscriptionStatus.Active,
        _ => throw new ArgumentException($"Unknown subscription status '{code}'.", nameof(code)),
    };
}
