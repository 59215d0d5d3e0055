using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>A deployment's effective secrets: for the API (keys and tiers) and for the cluster (with values, or where the backend holds them).</summary>
public static class DeploymentSecrets
{
    public static async Task<IReadOnlyList<EffectiveSecret>> EffectiveAsync(IAppDbContext db, TemplateSpecCache specs, Deployment deployment, CancellationToken cancellationToken)
    {
        var (_, spec) = await DeploymentReads.TemplateOfAsync(db, specs, deployment.TemplateId, deployment.TemplateVersion, cancellationToken);
        return await EffectiveAsync(db, spec, deployment, cancellationToken);
    }

    public static async Task<IReadOnlyList<EffectiveSecret>> EffectiveAsync(IAppDbContext db, TemplateSpec spec, Deployment deployment, CancellationToken cancellationToken)
    {
        var deploymentId = (DeploymentId?)deployment.Id;
        var entries = await db.Secrets.AsNoTracking()
            .Where(s => s.OrganizationId == deployment.OrganizationId && (s.DeploymentId == null || s.DeploymentId == deploymentId))
            .ToListAsync(cancellationToken);
        return SecretTiers.Merge(deployment.OrganizationId.Value, deployment.Id.Value, spec.Services.Select(s => s.Name), entries, deployment.Secrets.Select(s => s.Name));
    }

    /// <summary>
    /// Each service's effective set for the cluster. <paramref name="withValues"/>: with the values (the server writes the
    /// Secrets); otherwise a cluster secret store reads the backend, so the deploy form's secret settings are first copied
    /// into the deployment's scope there (what the form no longer has is removed from it).
    /// </summary>
    public static async Task<IReadOnlyList<ServiceSecretSet>> ForClusterAsync(
        IAppDbContext db, ISecretValueStore store, ISecretCipher cipher, TemplateSpec spec, Deployment deployment, bool withValues, CancellationToken cancellationToken)
    {
        var effective = await EffectiveAsync(db, spec, deployment, cancellationToken);
        var settings = SettingValues(cipher, deployment);
        var read = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (withValues)
            foreach (var scope in effective.Where(e => !e.FromSetting).Select(e => e.Scope).Distinct())
                read[scope.Path] = await store.ReadAsync(scope, cancellationToken);
        else
            await CopySettingsAsync(db, store, deployment, settings, effective, cancellationToken);

        return effective.GroupBy(e => e.Service, StringComparer.Ordinal).Select(g => new ServiceSecretSet(g.Key, g
                .Select(e => new ServiceSecretValue(e.Key, RemoteKey(store, e.Scope), !withValues ? null
                    : e.FromSetting ? settings[e.Key]
                    : read[e.Scope.Path].GetValueOrDefault(e.Key)))
                .Where(v => !withValues || v.Value is not null)   // a key whose value the backend lost is left out, not sent empty
                .ToList()))
            .Where(s => s.Keys.Count > 0).ToList();
    }

    /// <summary>
    /// The name an ExternalSecret reads a scope by: its path (Vault: relative to the ClusterSecretStore's KV mount), or for
    /// AWS Secrets Manager the whole secret name, <c>cleanscheduler/&lt;path&gt;</c> (the store has no prefix setting).
    /// </summary>
    public static string RemoteKey(ISecretValueStore store, SecretScope scope) => store.Backend == "aws" ? $"cleanscheduler/{scope.Path}" : scope.Path;

    private static async Task CopySettingsAsync(IAppDbContext db, ISecretValueStore store, Deployment deployment,
        IReadOnlyDictionary<string, string> settings, IReadOnlyList<EffectiveSecret> effective, CancellationToken cancellationToken)
    {
        var scope = SecretScope.ForDeployment(deployment.OrganizationId.Value, deployment.Id.Value);
        var deploymentId = (DeploymentId?)deployment.Id;
        var ownKeys = (await db.Secrets.AsNoTracking().Where(s => s.DeploymentId == deploymentId && s.Service == null).Select(s => s.Key)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var held = await store.ReadAsync(scope, cancellationToken);
        foreach (var secret in effective.Where(e => e.FromSetting).DistinctBy(e => e.Key))
            if (!held.TryGetValue(secret.Key, out var value) || value != settings[secret.Key])
                await store.WriteAsync(scope, secret.Key, settings[secret.Key], cancellationToken);
        foreach (var key in held.Keys.Where(k => !ownKeys.Contains(k) && !settings.ContainsKey(k)))
            await store.DeleteAsync(scope, key, cancellationToken);
    }

    internal static Dictionary<string, string> SettingValues(ISecretCipher cipher, Deployment deployment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in deployment.Secrets)
        {
            try { values[secret.Name] = cipher.Decrypt(secret.Ciphertext, secret.KeyId, DeploymentReads.SecretContext(deployment, secret.Name)); }
            catch (System.Security.Cryptography.CryptographicException e) { throw new SecretUnreadableException(secret.Name, e); }
        }
        return values;
    }
}
