using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>
/// Publishes a deployment as the operator expects it (DESIGN.md §6): the team's namespace, the template version as a
/// ConfigMap, the UserDeployment and each service's effective secrets as a Secret (unless a cluster secret store fills
/// them), each by server-side apply; removing deletes the UserDeployment (its finalizer lets the operator remove what it
/// owns; the Secrets go with it by garbage collection) and the single Secret earlier versions wrote.
/// </summary>
public sealed class KubernetesDeploymentPublisher(IKubernetesClient kube, RenderOptions render, TeamNamespaces namespaces)
    : IDeploymentPublisher
{
    public bool PublishesSecretValues => render.ClusterSecretStore is null;

    public Task<DeploymentReport> PublishAsync(DesiredDeployment desired, CancellationToken cancellationToken) => ClusterErrors.Translate(async () =>
    {
        var (deployment, ns) = (desired.Deployment, desired.Namespace);
        try
        {
            await namespaces.EnsureAsync(ns, deployment.OrganizationId, deployment.TeamId, cancellationToken);
            var templateRef = new TemplateRef(ClusterNames.TemplateRefName(deployment.TemplateId), deployment.TemplateVersion);
            await PublishTemplateAsync(ns, templateRef, desired.TemplateSpec, cancellationToken);   // every time: cheap, and heals a deleted ConfigMap

            var secrets = ServiceSecrets(deployment, desired.ServiceSecrets, PublishesSecretValues);
            var resource = UserDeployment(deployment, ns, templateRef, desired.Tier, desired.Limits, secrets);
            var applied = await kube.ApplyAsync(KubeResource.UserDeployments, resource, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
            if (PublishesSecretValues)
                foreach (var set in desired.ServiceSecrets)
                    await WriteSecretAsync(deployment, ns, set, (string?)applied["metadata"]?["uid"], cancellationToken);
            return KubernetesDeploymentReports.ReportOf(applied);
        }
        catch (KubeNotFoundException)
        {
            namespaces.Forget(ns);   // the namespace went away: create it again on the retry
            throw;
        }
    });

    /// <summary>
    /// Deletes the UserDeployment; the Secrets it owns (per service, and the single one older versions wrote) go with it by
    /// garbage collection. None is deleted by name: <c>&lt;name&gt;-secrets</c> may be another deployment's Secret of the
    /// first per-service naming (<c>&lt;deployment&gt;-&lt;service&gt;-secrets</c>), and the server never reads one to tell.
    /// </summary>
    public Task RemoveAsync(string @namespace, string name, CancellationToken cancellationToken) => ClusterErrors.Translate(() =>
        DeleteIfPresentAsync(KubeResource.UserDeployments, @namespace, name, cancellationToken));

    private async Task DeleteIfPresentAsync(KubeResource kind, string ns, string name, CancellationToken cancellationToken)
    {
        try { await kube.DeleteAsync(kind, ns, name, cancellationToken: cancellationToken); }
        catch (KubeNotFoundException) { }
    }

    private async Task PublishTemplateAsync(string ns, TemplateRef templateRef, string specText, CancellationToken cancellationToken)
    {
        var map = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = templateRef.ConfigMapName,
                ["namespace"] = ns,
                ["labels"] = new JsonObject { [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy },
            },
            ["data"] = new JsonObject { [TemplateConfigMap.Key] = specText },
        };
        await kube.ApplyAsync(KubeResource.ConfigMaps, map, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// What the UserDeployment says of each service's secrets: the Secret's name and keys, and either the checksum of the
    /// values (the server writes the Secret: the pods restart when it changes) or, for a cluster secret store, the backend
    /// path each key is read from. Never a value.
    /// </summary>
    public static IReadOnlyList<ServiceSecretsSpec> ServiceSecrets(Deployment deployment, IReadOnlyList<ServiceSecretSet> sets, bool withValues) =>
        sets.Select(set => new ServiceSecretsSpec(
                set.Service,
                ClusterNames.ServiceSecretName(deployment.Name, set.Service),
                set.Keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new ServiceSecretKey(k.Key, withValues ? null : k.RemoteKey)).ToList(),
                withValues ? Checksum(set) : null))
            .ToList();

    /// <summary>SHA-256 over the keys and values (each length-prefixed, so no two sets share a text), first 16 hex digits.</summary>
    public static string Checksum(ServiceSecretSet set)
    {
        var text = new StringBuilder();
        foreach (var key in set.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
            text.Append(key.Key.Length).Append(':').Append(key.Key).Append((key.Value ?? "").Length).Append(':').Append(key.Value);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private async Task WriteSecretAsync(Deployment deployment, string ns, ServiceSecretSet set, string? ownerUid, CancellationToken cancellationToken)
    {
        var data = new JsonObject();
        foreach (var key in set.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
            data[key.Key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(key.Value ?? ""));
        var labels = Labels(deployment);
        labels["app.kubernetes.io/component"] = set.Service;
        var metadata = new JsonObject
        {
            ["name"] = ClusterNames.ServiceSecretName(deployment.Name, set.Service),
            ["namespace"] = ns,
            ["labels"] = labels,
        };
        if (ownerUid is not null)   // deleted with the UserDeployment by the garbage collector
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = CustomResources.ApiVersion, ["kind"] = "UserDeployment", ["name"] = deployment.Name, ["uid"] = ownerUid,
            });
        var secretObject = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = metadata, ["type"] = "Opaque", ["data"] = data };
        await kube.ApplyAsync(KubeResource.Secrets, secretObject, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
    }

    private static JsonObject Labels(Deployment deployment) => new()
    {
        [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy,
        [ClusterNames.DeploymentIdLabel] = deployment.Id.Value.ToString(),
        ["app.kubernetes.io/instance"] = deployment.Name,
    };

    /// <summary>The UserDeployment for a stored deployment. Secret values never go in it: only the Secrets' names, keys and checksums.</summary>
    public static JsonObject UserDeployment(
        Deployment deployment, string ns, TemplateRef templateRef, Tier tier, TierLimits limits, IReadOnlyList<ServiceSecretsSpec> secrets)
    {
        var spec = new UserDeploymentSpec(
            deployment.State.ToCode(),
            new DeploymentOwner(deployment.OwnerHandle, deployment.CreatedBy.Value.ToString(), deployment.TeamId.Value.ToString(), deployment.OrganizationId.Value.ToString()),
            deployment.Id.Value.ToString(),
            tier.ToCode(),
            new LimitsSpec(limits.Isolation.ToCode(), limits.Quota is { } q ? new QuotaSpec(q.Cpu, q.Memory, q.Pods) : null),
            templateRef,
            Values: new SortedDictionary<string, string>(deployment.Values, StringComparer.Ordinal),
            Host: deployment.Host,
            Revision: deployment.Revision,
            ServiceSecrets: secrets.Count > 0 ? secrets : null);
        var resource = CustomResources.ToJson(new UserDeploymentResource(
            new ObjectMeta(deployment.Name, ns, Labels: new Dictionary<string, string>
            {
                [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy,
                [ClusterNames.DeploymentIdLabel] = deployment.Id.Value.ToString(),
            }),
            spec));
        resource.Remove("status");
        return resource;
    }
}
