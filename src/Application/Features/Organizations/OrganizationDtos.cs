using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

public sealed record TierLimitsDto(
    int? MaxDeployments, int? MaxMembersPerTeam, bool CustomTemplates, bool OrgTemplates, string NetworkIsolation, int? MaxConcurrentTasks)
{
    public static TierLimitsDto From(TierLimits limits) => new(
        limits.MaxDeployments, limits.MaxMembersPerTeam, limits.CustomTemplates, limits.OrgTemplates, limits.Isolation.ToCode(), limits.MaxConcurrentTasks);
}

/// <summary>The plan an organization is subscribed to.</summary>
public sealed record PlanRef(Guid Id, string Name, string Tier);

/// <summary>An organization in a list: the caller's role in it included.</summary>
public sealed record OrganizationSummary(Guid Id, string Name, string Slug, string Tier, string Role, DateTimeOffset CreatedAt);

/// <summary>
/// One organization. <see cref="Role"/> is the caller's role (null for a platform admin who is not a member),
/// <see cref="Permissions"/> what that role allows at organization level.
/// </summary>
public sealed record OrganizationDetails(
    Guid Id,
    string Name,
    string Slug,
    string Tier,
    PlanRef Plan,
    TierLimitsDto Limits,
    string? Role,
    IReadOnlyList<string> Permissions,
    Guid DefaultTeamId,
    int MemberCount,
    int TeamCount,
    DateTimeOffset CreatedAt);

/// <summary>An organization the caller belongs to, with the caller's role in it and its tier.</summary>
internal sealed class CallerOrganization
{
    public OrganizationId Id { get; init; }
    public string Name { get; init; } = null!;
    public string Slug { get; init; } = null!;
    public DateTimeOffset CreatedAt { get; init; }
    public OrgRole Role { get; init; }
    public Tier Tier { get; init; }

    public OrganizationSummary ToSummary() => new(Id.Value, Name, Slug, Tier.ToCode(), Role.ToCode(), CreatedAt);
}

internal static class OrganizationReads
{
    /// <summary>
    /// The organizations of the request's white-label client that <paramref name="user"/> belongs to (only
    /// <paramref name="only"/> when the request is limited to one), by name. The query starts from the user's memberships
    /// (indexed by user id), so its cost follows what the user belongs to, not how many organizations the platform holds.
    /// </summary>
    public static IQueryable<CallerOrganization> OrganizationsOf(this IAppDbContext db, ClientId? client, OrganizationId? only, UserId user)
    {
        var anyOrganization = only is null;   // a bool, not `only == null` in the tree: EF compiles such a test on every call
        return db.Organizations.AsNoTracking()
            .Where(o => o.ClientId == client && (anyOrganization || o.Id == only))
            .SelectMany(o => o.Members.Where(m => m.UserId == user), (o, m) => new CallerOrganization
            {
                Id = o.Id, Name = o.Name, Slug = o.Slug, CreatedAt = o.CreatedAt, Role = m.Role,
                Tier = db.Subscriptions.Where(s => s.OrganizationId == o.Id).Select(s => s.Tier).First(),
            })
            .OrderBy(o => o.Name).ThenBy(o => o.Id);
    }

    public static async Task<OrganizationDetails> DetailsAsync(
        IAppDbContext db, OrganizationId id, UserId caller, CancellationToken cancellationToken)
    {
        var row = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == id)
            .Select(o => new
            {
                o.Id,
                o.Name,
                o.Slug,
                o.CreatedAt,
                Subscription = db.Subscriptions.Where(s => s.OrganizationId == o.Id)
                    .Select(s => new { s.PlanId, s.PlanName, s.Tier, s.Limits }).First(),
                Role = o.Members.Where(m => m.UserId == caller).Select(m => (OrgRole?)m.Role).FirstOrDefault(),
                MemberCount = o.Members.Count,
                DefaultTeamId = db.Teams.Where(t => t.OrganizationId == o.Id && t.IsDefault).Select(t => t.Id).FirstOrDefault(),
                TeamCount = db.Teams.Count(t => t.OrganizationId == o.Id),
            })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("organization", id.Value);
        return new OrganizationDetails(
            row.Id.Value, row.Name, row.Slug, row.Subscription.Tier.ToCode(),
            new PlanRef(row.Subscription.PlanId.Value, row.Subscription.PlanName, row.Subscription.Tier.ToCode()),
            TierLimitsDto.From(row.Subscription.Limits),
            row.Role?.ToCode(), GrantedCodes(row.Role), row.DefaultTeamId.Value, row.MemberCount, row.TeamCount, row.CreatedAt);
    }

    public static IReadOnlyList<string> GrantedCodes(OrgRole? role) =>
        Domain.Authorization.Permissions.Granted(role, null)
            .Where(p => p.Scope == PermissionScope.Organization)
            .Select(p => p.Code)
            .ToList();
}
