using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Secrets;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>
/// One key of one service's effective set: the tier it comes from and where its value lives in the backend.
/// <see cref="FromSetting"/>: the value is a secret setting of the deploy form (deployment tier, kept with the deployment).
/// </summary>
public sealed record EffectiveSecret(string Service, string Key, SecretTier Tier, SecretScope Scope, bool FromSetting = false);

/// <summary>The merge of the three tiers (docs/secrets.md): on a key set at several tiers organization wins over deployment, deployment over service.</summary>
public static class SecretTiers
{
    public static string ToCode(this SecretTier tier) => tier switch
    {
        SecretTier.Organization => "organization",
        SecretTier.Deployment => "deployment",
        _ => "service",
    };

    public static SecretScope ScopeOf(SecretEntry entry) =>
        entry.DeploymentId is not { } deployment ? SecretScope.ForOrganization(entry.OrganizationId.Value)
        : entry.Service is not { } service ? SecretScope.ForDeployment(entry.OrganizationId.Value, deployment.Value)
        : SecretScope.ForService(entry.OrganizationId.Value, deployment.Value, service);

    /// <summary>
    /// The effective set of every service: <paramref name="entries"/> are the organization's rows and the deployment's
    /// (either tier), <paramref name="settings"/> the names of the deploy form's secret settings, which count as
    /// deployment secrets (a deployment secret of the same key set through the API replaces the setting's value).
    /// </summary>
    public static IReadOnlyList<EffectiveSecret> Merge(
        Guid organization, Guid deployment, IEnumerable<string> services, IReadOnlyCollection<SecretEntry> entries, IEnumerable<string> settings)
    {
        var deploymentScope = SecretScope.ForDeployment(organization, deployment);
        var shared = new Dictionary<string, EffectiveSecret>(StringComparer.Ordinal);
        foreach (var setting in settings) shared[setting] = new EffectiveSecret("", setting, SecretTier.Deployment, deploymentScope, FromSetting: true);
        foreach (var entry in entries.Where(e => e.DeploymentId is not null && e.Service is null))
            shared[entry.Key] = new EffectiveSecret("", entry.Key, SecretTier.Deployment, deploymentScope);
        foreach (var entry in entries.Where(e => e.DeploymentId is null))
            shared[entry.Key] = new EffectiveSecret("", entry.Key, SecretTier.Organization, SecretScope.ForOrganization(organization));

        var merged = new List<EffectiveSecret>();
        foreach (var service in services)
        {
            var set = entries.Where(e => e.Service == service).ToDictionary(e => e.Key, e => new EffectiveSecret(service, e.Key, SecretTier.Service, ScopeOf(e)), StringComparer.Ordinal);
            foreach (var (key, secret) in shared) set[key] = secret with { Service = service };   // a higher tier wins the clash
            merged.AddRange(set.Values.OrderBy(s => s.Key, StringComparer.Ordinal));
        }
        return merged;
    }
}
