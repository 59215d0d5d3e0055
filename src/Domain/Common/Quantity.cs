using System.Globalization;
using System.Text.RegularExpressions;

namespace CleanScheduler.Domain.Common;

/// <summary>
/// Kubernetes resource quantities (<c>100m</c>, <c>0.5</c>, <c>2</c> for CPU; <c>128Mi</c>, <c>1Gi</c>, <c>500M</c> for memory),
/// checked in the canonical form the API accepts, and compared by value.
/// </summary>
public static partial class Quantity
{
    private static readonly Dictionary<string, decimal> Multipliers = new(StringComparer.Ordinal)
    {
        [""] = 1m, ["m"] = 0.001m, ["k"] = 1e3m, ["M"] = 1e6m, ["G"] = 1e9m, ["T"] = 1e12m, ["P"] = 1e15m, ["E"] = 1e18m,
        ["Ki"] = 1024m, ["Mi"] = 1024m * 1024, ["Gi"] = 1024m * 1024 * 1024, ["Ti"] = 1024m * 1024 * 1024 * 1024,
        ["Pi"] = 1024m * 1024 * 1024 * 1024 * 1024, ["Ei"] = 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
    };

    /// <summary>A CPU amount: a positive decimal number of cores, or millicores with <c>m</c> (at most 1000 cores).</summary>
    public static bool IsCpu(string? text) =>
        text is not null && CpuPattern().IsMatch(text) && TryParse(text, out var cores) && cores > 0 && cores <= 1000;

    /// <summary>A memory amount: a positive number of bytes with an optional suffix (Ki, Mi, Gi, Ti, k, M, G, T); at most 4 Ti.</summary>
    public static bool IsMemory(string? text) =>
        text is not null && MemoryPattern().IsMatch(text) && TryParse(text, out var bytes) && bytes >= 1 && bytes <= 4m * 1024 * 1024 * 1024 * 1024;

    /// <summary>The value in base units (cores, bytes).</summary>
    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        var match = AnyPattern().Match(text);
        if (!match.Success) return false;
        if (!decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        value = number * Multipliers[match.Groups["suffix"].Value];
        return true;
    }

    public static decimal Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a Kubernetes quantity.");

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?|\.\d+)(?<suffix>m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AnyPattern();

    [GeneratedRegex(@"^(\d+(\.\d{1,3})?|\d+m)$", RegexOptions.CultureInvariant)]
    private static partial Regex CpuPattern();

    [GeneratedRegex(@"^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$", RegexOptions.CultureInvariant)]
    private static partial Regex MemoryPattern();
}
