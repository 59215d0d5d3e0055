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

    /// <summary>How long a <see cref="SubscriptionStatus.PastDue"/> subscription keeps its plan's limits for new use.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromDays(7);

    public string? StripeCustomerId { get; private set; }
    public string? StripeSubscriptionId { get; private set; }
    public DateTimeOffset? StripeSubscriptionCreatedAt { get; private set; }
    public DateTimeOffset? StripeEventAt { get; private set; }
    public DateTimeOffset? CurrentPeriodEnd { get; private set; }
    public bool CancelAtPeriodEnd { get; private set; }
    public DateTimeOffset? PastDueSince { get; private set; }

    public DateTimeOffset? GraceEndsAt => Status == SubscriptionStatus.PastDue ? PastDueSince + GracePeriod : null;

    /// <summary>
    /// The limits new use is checked against at <paramref name="now"/>: the plan's, except for a subscription past
    /// due beyond <see cref="GracePeriod"/>, which gets the Free tier's until it is paid. What exists stays.
    /// </summary>
    public TierLimits LimitsAt(DateTimeOffset now) => GraceEndsAt is { } ends && now >= ends ? TierLimits.Free : Limits;

    private string LimitsNameAt(DateTimeOffset now) => GraceEndsAt is { } ends && now >= ends ? $"{PlanName} plan (payment overdue: Free limits)" : $"{PlanName} plan";

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
        if (LimitsAt(now).MaxDeployments is int max && ActiveDeployments >= max)
            throw new RuleViolationException("tier.deployment_limit",
                $"The {LimitsNameAt(now)} allows {max} deployment{(max == 1 ? "" : "s")} per organization; delete one or upgrade the plan.");
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

    /// <summary>
    /// Starts a task or workflow for <paramref name="team"/> (of <paramref name="teamOrganization"/>) while the organization
    /// has <paramref name="unfinished"/> tasks not yet finished, or refuses with <c>tier.task_limit</c> at the plan's limit.
    /// The caller counts under this subscription's row lock, so racing starts cannot both pass the limit.
    /// </summary>
    public Tasks.TaskRun StartTask(
        TeamId team, OrganizationId teamOrganization, UserId owner, Tasks.TaskKind kind, IReadOnlyList<Tasks.TaskStep> steps, int unfinished, DateTimeOffset now)
    {
        if (teamOrganization != OrganizationId)
            throw new InvalidOperationException("The team belongs to another organization.");
        if (LimitsAt(now).MaxConcurrentTasks is int max && unfinished >= max)
            throw new RuleViolationException("tier.task_limit",
                $"The {LimitsNameAt(now)} allows {max} unfinished task{(max == 1 ? "" : "s")} or workflow{(max == 1 ? "" : "s")} at a time; wait for one to finish, cancel one or upgrade the plan.");
        return Tasks.TaskRun.Start(OrganizationId, team, owner, kind, steps, now);
    }

    public void ReleaseDeployment(DateTimeOffset now)
    {
        if (ActiveDeployments > 0) ActiveDeployments--;
        UpdatedAt = now;
    }

    /// <summary>The "members per team" rule, for a team that holds <paramref name="members"/> members now.</summary>
    public void EnsureTeamHasRoom(int members, DateTimeOffset now)
    {
        if (LimitsAt(now).MaxMembersPerTeam is int max && members >= max)
            throw new RuleViolationException("tier.team_member_limit",
                $"The {LimitsNameAt(now)} allows {max} member{(max == 1 ? "" : "s")} per team; upgrade the plan to add more.");
    }

    /// <summary>Whether the plan lets the organization have templates of its own with this visibility.</summary>
    public void EnsureTemplateVisibilityAllowed(string visibility, bool orgWide, DateTimeOffset now)
    {
        var limits = LimitsAt(now);
        if (!limits.CustomTemplates)
            throw new RuleViolationException("tier.custom_templates",
                $"The {LimitsNameAt(now)} allows only system templates; upgrade to Business for {visibility} templates.");
        if (orgWide && !limits.OrgTemplates)
            throw new RuleViolationException("tier.org_templates",
                $"The {LimitsNameAt(now)} does not allow organization-wide templates; upgrade to Enterprise.");
    }

    /// <summary>Records the payment provider's customer of this organization (made on its first checkout).</summary>
    public void LinkCustomer(string customerId, DateTimeOffset now)
    {
        if (StripeCustomerId == customerId) return;
        if (StripeCustomerId is not null)
            throw new InvalidOperationException("The organization has a billing customer already.");
        (StripeCustomerId, UpdatedAt) = (customerId, now);
        Raise(new BillingCustomerLinked(OrganizationId, now));
    }

    /// <summary>
    /// Takes the provider's subscription state as one event carried it, unless this row holds a newer one: events of
    /// the same subscription are ordered by their time (a canceled subscription stays canceled), and a subscription
    /// created before the one applied is an old one whose events no longer count. <paramref name="plan"/> is the
    /// plan of the subscription's price (null when unknown: the plan stays); a canceled subscription moves to
    /// <paramref name="free"/>. Returns whether the plan changed (the caller hands that on to the deployments).
    /// </summary>
    public bool ApplyBilling(BillingState state, BillingPlan? plan, BillingPlan free, DateTimeOffset now)
    {
        if (!IsNewer(state)) return false;
        if (StripeCustomerId is null) LinkCustomer(state.CustomerId, now);
        (StripeSubscriptionId, StripeSubscriptionCreatedAt, StripeEventAt) = (state.SubscriptionId, state.SubscriptionCreatedAt, state.ObservedAt);
        (CurrentPeriodEnd, CancelAtPeriodEnd, UpdatedAt) = (state.CurrentPeriodEnd, state.CancelAtPeriodEnd, now);
        ChangeStatus(state.Status, state.ObservedAt, now);
        var target = state.Status == SubscriptionStatus.Canceled ? free : plan;
        return target is not null && ChangePlan(target, now);
    }

    /// <summary>An invoice of the current subscription failed (past due from then on) or was paid (back to active).</summary>
    public void ApplyInvoice(string subscriptionId, bool paid, DateTimeOffset observedAt, DateTimeOffset now)
    {
        if (subscriptionId != StripeSubscriptionId || StripeEventAt > observedAt || Status == SubscriptionStatus.Canceled) return;
        if (paid && Status != SubscriptionStatus.PastDue) return;
        if (!paid && Status == SubscriptionStatus.PastDue) return;
        StripeEventAt = observedAt;
        UpdatedAt = now;
        ChangeStatus(paid ? SubscriptionStatus.Active : SubscriptionStatus.PastDue, observedAt, now);
    }

    private bool IsNewer(BillingState state)
    {
        if (StripeSubscriptionId is null) return true;
        if (state.SubscriptionId != StripeSubscriptionId) return state.SubscriptionCreatedAt > StripeSubscriptionCreatedAt;
        return Status != SubscriptionStatus.Canceled && state.ObservedAt >= StripeEventAt;
    }

    private void ChangeStatus(SubscriptionStatus status, DateTimeOffset observedAt, DateTimeOffset now)
    {
        PastDueSince = status == SubscriptionStatus.PastDue ? (Status == SubscriptionStatus.PastDue ? PastDueSince : observedAt) : null;
        if (Status == status) return;
        Status = status;
        Raise(new SubscriptionStatusChanged(OrganizationId, status, now));
    }
}

/// <summary>
/// A payment provider's subscription as one event carried it. <see cref="ObservedAt"/> is the event's time: it orders
/// states of one subscription; <see cref="SubscriptionCreatedAt"/> orders subscriptions.
/// </summary>
public sealed record BillingState(
    string CustomerId,
    string SubscriptionId,
    DateTimeOffset SubscriptionCreatedAt,
    SubscriptionStatus Status,
    DateTimeOffset? CurrentPeriodEnd,
    bool CancelAtPeriodEnd,
    DateTimeOffset ObservedAt);

public sealed record BillingCustomerLinked(OrganizationId Organization, DateTimeOffset OccurredAt) : IDomainEvent;

public sealed record SubscriptionStatusChanged(OrganizationId Organization, SubscriptionStatus Status, DateTimeOffset OccurredAt) : IDomainEvent;

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
