using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Plans;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

/// <summary>One limit beside its current use; <see cref="Limit"/> null means unlimited.</summary>
public sealed record LimitUse(int Used, int? Limit);

public sealed record TeamUse(Guid TeamId, string Name, int Members, int? Limit);

public sealed record UsageDto(
    Guid OrganizationId,
    PlanRef Plan,
    string Status,
    DateTimeOffset? GraceEndsAt,
    LimitUse Deployments,
    IReadOnlyList<TeamUse> MembersPerTeam,
    bool CustomTemplates,
    bool OrgTemplates,
    string NetworkIsolation,
    QuotaDto? NamespaceQuota,
    LimitUse UnfinishedTasks);

/// <summary>What the organization's plan allows, beside what it uses.</summary>
public sealed record GetUsageQuery(OrganizationId Id) : IRequest<UsageDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgRead;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class GetUsageHandler(IAppDbContext db) : IRequestHandler<GetUsageQuery, UsageDto>
{
    public async Task<UsageDto> Handle(GetUsageQuery query, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == query.Id, cancellationToken);
        var teams = await db.Teams.AsNoTracking().Where(t => t.OrganizationId == query.Id)
            .OrderByDescending(t => t.IsDefault).ThenBy(t => t.Name)
            .Select(t => new { t.Id, t.Name, t.MemberCount })
            .ToListAsync(cancellationToken);
        var limits = subscription.Limits;
        var unfinishedTasks = await db.Tasks.CountAsync(
            t => t.OrganizationId == query.Id && (t.Phase == Domain.Tasks.TaskPhase.Pending || t.Phase == Domain.Tasks.TaskPhase.Running), cancellationToken);
        return new UsageDto(
            query.Id.Value,
            new PlanRef(subscription.PlanId.Value, subscription.PlanName, subscription.Tier.ToCode()),
            subscription.Status.ToCode(),
            subscription.GraceEndsAt,
            new LimitUse(subscription.ActiveDeployments, limits.MaxDeployments),
            teams.Select(t => new TeamUse(t.Id.Value, t.Name, t.MemberCount, limits.MaxMembersPerTeam)).ToList(),
            limits.CustomTemplates,
            limits.OrgTemplates,
            limits.Isolation.ToCode(),
            limits.Quota is { } q ? new QuotaDto(q.Cpu, q.Memory, q.Pods) : null,
            new LimitUse(unfinishedTasks, limits.MaxConcurrentTasks));
    }
}
