using System.Text;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Secrets;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>Caps on secrets (docs/secrets.md): keys per scope, and the size of one service's effective set (a Kubernetes Secret holds at most 1 MiB).</summary>
public static class SecretLimits
{
    public const int MaxKeysPerScope = 100;
    public const int MaxServiceSetBytes = 512 * 1024;

    /// <summary>
    /// 409 <c>secret.limit</c> when, with <paramref name="entry"/> set to <paramref name="value"/>, the effective set of a
    /// service of a <paramref name="reached"/> deployment (keys and values, UTF-8) would exceed <see cref="MaxServiceSetBytes"/>.
    /// </summary>
    public static async Task RequireWithinAsync(IAppDbContext db, ISecretValueStore store, ISecretCipher cipher, TemplateSpecCache specs,
        IReadOnlyList<Deployment> reached, SecretEntry entry, string value, CancellationToken cancellationToken)
    {
        var changed = SecretTiers.ScopeOf(entry);
        var read = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var deployment in reached)
        {
            var (_, spec) = await DeploymentReads.TemplateOfAsync(db, specs, deployment.TemplateId, deployment.TemplateVersion, cancellationToken);
            var deploymentId = (DeploymentId?)deployment.Id;
            var entries = await db.Secrets.AsNoTracking()
                .Where(s => s.OrganizationId == deployment.OrganizationId && (s.DeploymentId == null || s.DeploymentId == deploymentId))
                .ToListAsync(cancellationToken);
            if (entries.All(e => e.Id != entry.Id)) entries.Add(entry);
            var settings = DeploymentSecrets.SettingValues(cipher, deployment);
            var effective = SecretTiers.Merge(deployment.OrganizationId.Value, deployment.Id.Value, spec.Services.Select(s => s.Name), entries, settings.Keys);
            foreach (var service in effective.GroupBy(e => e.Service, StringComparer.Ordinal))
            {
                long bytes = 0;
                foreach (var secret in service)
                {
                    var held = secret.FromSetting ? settings[secret.Key]
                        : secret.Scope == changed && secret.Key == entry.Key ? value
                        : (read.TryGetValue(secret.Scope.Path, out var values) ? values : read[secret.Scope.Path] = await store.ReadAsync(secret.Scope, cancellationToken))
                            .GetValueOrDefault(secret.Key, "");
                    bytes += Encoding.UTF8.GetByteCount(secret.Key) + Encoding.UTF8.GetByteCount(held);
                }
                if (bytes > MaxServiceSetBytes)
                    throw new RuleViolationException("secret.limit",
                        $"The secrets of service '{service.Key}' of deployment '{deployment.Name}' would take {bytes / 1024} KiB; at most {MaxServiceSetBytes / 1024} KiB are allowed.");
            }
        }
    }
}
