using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// Server-wide settings deployments need: DEPLOYMENT_DOMAIN and KUBERNETES_NAMESPACE (a pattern whose %s is the
/// team's id).
/// </summary>
public sealed record DeploymentOptions(string Domain, string NamespacePattern = DeploymentOptions.DefaultNamespacePattern)
{
    public const string DefaultNamespacePattern = "sandbox-%s";

    /// <summary>
    /// The namespace of every deployment of <paramref name="team"/>: one team per namespace, so a namespace never holds
    /// two organizations' deployments (its quota, limits and isolation are that organization's tier), and the names in
    /// it are unique because a deployment's name is unique in its team. The id, not the name: it never changes, is
    /// never reused after the team is deleted, and is a DNS-1123 label of fixed length (36).
    /// </summary>
    public string NamespaceFor(TeamId team) =>
        NamespacePattern.Replace("%s", team.Value.ToString("D"), StringComparison.Ordinal);

    /// <summary>The team whose namespace <paramref name="ns"/> is under the current pattern, if it is one.</summary>
    public TeamId? TeamOf(string? ns)
    {
        var at = NamespacePattern.IndexOf("%s", StringComparison.Ordinal);
        if (at < 0) return null;
        var (prefix, suffix) = (NamespacePattern[..at], NamespacePattern[(at + 2)..]);
        return ns is not null && ns.Length == prefix.Length + 36 + suffix.Length && ns.StartsWith(prefix, StringComparison.Ordinal)
            && ns.EndsWith(suffix, StringComparison.Ordinal) && Guid.TryParseExact(ns.Substring(prefix.Length, 36), "D", out var id)
            && NamespaceFor(new TeamId(id)) == ns
            ? new TeamId(id) : null;
    }

    /// <summary>Why <paramref name="pattern"/> cannot name namespaces (null when it can): %s once, and a DNS-1123 label of at most 63 characters once replaced.</summary>
    public static string? NamespacePatternProblem(string pattern)
    {
        if (pattern.Split("%s").Length != 2) return "must contain %s exactly once (replaced by the team's id)";
        var sample = pattern.Replace("%s", Guid.Empty.ToString("D"), StringComparison.Ordinal);
        if (sample.Length > 63) return $"is too long: with the 36-character team id in place of %s it must stay within 63 characters (at most {63 - 36} besides %s)";
        return System.Text.RegularExpressions.Regex.IsMatch(sample, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
            ? null : "must give a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";
    }
}
