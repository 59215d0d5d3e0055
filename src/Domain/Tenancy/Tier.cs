namespace CleanScheduler.Domain.Tenancy;

public enum Tier
{
    Free = 0,
    Business = 1,
    Enterprise = 2,
}

public enum NetworkIsolation
{
    Shared = 0,
    Namespace = 1,
    Dedicated = 2,
}

public static class TierCodes
{
    public static string ToCode(this Tier tier) => tier switch
    {
        Tier.Free => "free",
        Tier.Business => "business",
        Tier.Enterprise => "enterprise",
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    public static string DisplayName(this Tier tier) => tier switch
    {
        Tier.Free => "Free",
        Tier.Business => "Business",
        Tier.Enterprise => "Enterprise",
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    public static IReadOnlyList<string> All { get; } = ["free", "business", "enterprise"];

    public static bool TryParse(string? code, out Tier tier)
    {
        foreach (var candidate in Enum.GetValues<Tier>())
            if (candidate.ToCode() == code) { tier = candidate; return true; }
        tier = default;
        return false;
    }

    public static string ToCode(this NetworkIsolation isolation) => isolation switch
    {
        NetworkIsolation.Shared => "shared",
        NetworkIsolation.Namespace => "namespace",
        NetworkIsolation.Dedicated => "dedicated",
        _ => throw new ArgumentOutOfRangeException(nameof(isolation)),
    };
}

/// <summary>Per-namespace compute quota; null means no quota.</summary>
public sealed record ResourceQuotaLimits(string Cpu, string Memory, int Pods);

/// <summary>What a tier allows. A null number means unlimited. DESIGN.md §5 gives the defaults.</summary>
public sealed record TierLimits(
    int? MaxDeployments,
    int? MaxMembersPerTeam,
    bool CustomTemplates,
    bool OrgTemplates,
    NetworkIsolation Isolation,
    ResourceQuotaLimits? Quota,
    int? MaxConcurrentTasks)
{
    public static readonly TierLimits Free = new(1, 1, false, false, NetworkIsolation.Shared, new("1", "1Gi", 5), 1);
    public static readonly TierLimits Business = new(5, 10, true, false, NetworkIsolation.Namespace, new("8", "16Gi", 50), 10);
    public static readonly TierLimits Enterprise = new(null, null, true, true, NetworkIsolation.Dedicated, null, null);

    public static TierLimits For(Tier tier) => tier switch
    {
        Tier.Free => Free,
        Tier.Business => Business,
        Tier.Enterprise => Enterprise,
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };
}
