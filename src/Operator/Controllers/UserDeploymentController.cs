using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Kubernetes;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Operator.Metrics;

namespace CleanScheduler.Operator.Controllers;

public sealed record ControllerOptions(
    string? WatchNamespace,
    string DeploymentDomain,
    RenderOptions Render,
    TimeSpan ResyncPeriod,
    int Workers = 2,
    string FieldManager = UserDeploymentController.FieldManager);

/// <summary>
/// The UserDeployment controller (DESIGN.md §6): watches UserDeployments and the Deployments they own, queues the
/// resource on every change and on each resync, and reconciles it: finalizer, template, every owned object by
/// server-side apply (only when what we would apply differs from what we last applied), pruning of objects no
/// longer rendered, and status from the owned Deployments. A reconcile with nothing changed sends no request.
/// </summary>
public sealed class UserDeploymentController(IKubernetesClient client, ControllerOptions options, OperatorMetrics metrics, ILogger logger)
    : ResourceController(client, KubeResource.UserDeployments, Name, options, metrics, logger)
{
    public const string FieldManager = "cleanscheduler-operator";
    public new const string Name = "userdeployment";
    private const string ManagedSelector = "app.kubernetes.io/managed-by=" + ManifestRenderer.ManagedBy;

    private static readonly KubeResource[] OwnedKinds =
    [
        KubeResource.Deployments, KubeResource.Services, KubeResource.ConfigMaps, KubeResource.Ingresses,
        KubeResource.NetworkPolicies, KubeResource.ExternalSecrets, // Secrets: the server's, owned by the resource, removed by GC
    ];

    private readonly ObjectCache _deployments = new();
    private readonly ConcurrentDictionary<string, string> _applied = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _owned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _templates = new(StringComparer.Ordinal);

    /// <summary>
    /// The owned Deployments, cached as summaries; one deleted behind our back is forgotten as applied, so that the
    /// owner's next reconcile (its deletion queues it) applies it again.
    /// </summary>
    protected override IEnumerable<OwnedWatch> Owned =>
    [
        new(KubeResource.Deployments, ManagedSelector, _deployments, DeploymentSummary,
            d => _applied.TryRemove(ObjectKey(KubeResource.Deployments, (string?)d["metadata"]?["namespace"], (string)d["metadata"]!["name"]!), out _)),
    ];

    protected override bool IsRetryable(Exception e) => e is UserDeploymentSpecException || base.IsRetryable(e);

    // --- reconcile ---------------------------------------------------------------------------------------------------

    protected override async Task ReconcileAsync(string key, JsonObject? resource, CancellationToken cancellationToken)
    {
        if (resource is null)
        {
            Forget(key); // deleted: the API server's garbage collector removes what it owned
            return;
        }
        var metadata = resource["metadata"]!;
        var ns = (string)metadata["namespace"]!;
        var name = (string)metadata["name"]!;
        var generation = (long?)metadata["generation"] ?? 1;
        var desired = (string?)resource["spec"]?["desiredState"] ?? "running";
        var finalizers = (metadata["finalizers"] as JsonArray ?? []).Select(f => (string?)f).ToList();

        if (metadata["deletionTimestamp"] is not null || desired == "deleted")
        {
            await CleanUpAsync(key, resource, ns, name, finalizers, deleting: metadata["deletionTimestamp"] is not null, cancellationToken);
            return;
        }
        if (!finalizers.Contains(CustomResources.Finalizer))
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode?)JsonValue.Create(f)), JsonValue.Create(CustomResources.Finalizer)]),
                    ["resourceVersion"] = (string?)metadata["resourceVersion"],
                },
            };
            resource = ResourceWatcher.Slim(await Client.MergePatchAsync(KubeResource.UserDeployments, ns, name, patch, cancellationToken: cancellationToken));
            Resources.SetIfNewer(key, resource);
        }

        RenderInput input;
        try
        {
            var spec = CustomResources.From<UserDeploymentSpec>(resource["spec"]);
            var template = UserDeploymentInput.Spec(spec, spec.Services is { Count: > 0 } ? null : await TemplateAsync(ns, spec.TemplateRef, cancellationToken));
            input = UserDeploymentInput.From(resource, template, Options.DeploymentDomain);
        }
        catch (UserDeploymentSpecException e)
        {
            await WriteStatusAsync(key, resource, UserDeploymentStatus.Invalid(e.Message, generation, resource["status"] as JsonObject, DateTimeOffset.UtcNow, e.Reason), cancellationToken);
            throw;
        }

        var objects = ManifestRenderer.Render(input, Options.Render);
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var obj in objects)
        {
            var target = KubeResource.For((string)obj["apiVersion"]!, (string)obj["kind"]!);
            var objectKey = ObjectKey(target, (string?)obj["metadata"]!["namespace"], (string)obj["metadata"]!["name"]!);
            if (obj["metadata"]!["ownerReferences"] is not null) owned.Add(objectKey);
            var hash = Hash(obj);
            var missing = target == KubeResource.Deployments && !_deployments.ContainsKey(KeyOf(obj));
            if (!missing && _applied.TryGetValue(objectKey, out var last) && last == hash) continue;
            var live = await Client.ApplyAsync(target, obj, Options.FieldManager, force: true, cancellationToken: cancellationToken);
            _applied[objectKey] = hash;
            if (target == KubeResource.Deployments) _deployments.SetIfNewer(KeyOf(live), DeploymentSummary(live));
        }
        if (_owned.TryGetValue(key, out var before))
            foreach (var stale in before.Where(k => !owned.Contains(k)))
                await DeleteOwnedAsync(stale, cancellationToken);
        _owned[key] = owned;

        var status = UserDeploymentStatus.Compute(input, generation, n => _deployments.Get(KeyOf(ns, n)), resource["status"] as JsonObject, DateTimeOffset.UtcNow);
        await WriteStatusAsync(key, resource, status, cancellationToken);
    }

    private async Task<string?> TemplateAsync(string ns, TemplateRef? reference, CancellationToken cancellationToken)
    {
        if (reference is null) return null;
        var cacheKey = KeyOf(ns, reference.ConfigMapName);
        if (_templates.TryGetValue(cacheKey, out var cached)) return cached; // a published version never changes
        var map = await Client.GetAsync(KubeResource.ConfigMaps, ns, reference.ConfigMapName, cancellationToken);
        var text = (string?)map?["data"]?[TemplateConfigMap.Key];
        if (text is not null) _templates[cacheKey] = text;
        return text;
    }

    private async Task CleanUpAsync(string key, JsonObject resource, string ns, string name, List<string?> finalizers, bool deleting, CancellationToken cancellationToken)
    {
        var selector = $"app.kubernetes.io/instance={name},{ManagedSelector}";
        foreach (var kind in OwnedKinds)
        {
            KubeList list;
            try { list = await Client.ListAsync(kind, ns, new ListOptions(selector), cancellationToken); }
            catch (KubeNotFoundException) { continue; } // a kind this cluster does not serve (ExternalSecret without the ESO)
            foreach (var item in list.Items)
            {
                try { await Client.DeleteAsync(kind, ns, (string)item["metadata"]!["name"]!, "Background", cancellationToken); }
                catch (KubeNotFoundException) { }
            }
        }
        Forget(key, keepResource: true);
        if (deleting)
        {
            if (!finalizers.Contains(CustomResources.Finalizer)) return;
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["finalizers"] = finalizers.Count == 1 ? null : new JsonArray(finalizers.Where(f => f != CustomResources.Finalizer).Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
                    ["resourceVersion"] = (string?)resource["metadata"]!["resourceVersion"],
                },
            };
            await Client.MergePatchAsync(KubeResource.UserDeployments, ns, name, patch, cancellationToken: cancellationToken);
            return;
        }
        // desiredState: deleted. The owned objects are gone; now the resource itself (the finalizer pass follows).
        try { await Client.DeleteAsync(KubeResource.UserDeployments, ns, name, cancellationToken: cancellationToken); }
        catch (KubeNotFoundException) { }
    }

    private async Task DeleteOwnedAsync(string objectKey, CancellationToken cancellationToken)
    {
        var parts = objectKey.Split('|');
        var kind = KubeResource.Known.First(r => r.ApiVersion == parts[0] && r.Kind == parts[1]);
        try { await Client.DeleteAsync(kind, parts[2], parts[3], "Background", cancellationToken); }
        catch (KubeNotFoundException) { }
        _applied.TryRemove(objectKey, out _);
    }

    private void Forget(string key, bool keepResource = false)
    {
        if (_owned.TryRemove(key, out var owned))
            foreach (var objectKey in owned) _applied.TryRemove(objectKey, out _);
        if (!keepResource) Resources.Remove(key);
    }

    /// <summary>What the controller reads of an owned Deployment (name, owner, resourceVersion, replicas, status): a fraction of the object.</summary>
    private static JsonObject DeploymentSummary(JsonObject deployment)
    {
        var metadata = deployment["metadata"] as JsonObject;
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata?["name"]?.DeepClone(),
                ["namespace"] = metadata?["namespace"]?.DeepClone(),
                ["resourceVersion"] = metadata?["resourceVersion"]?.DeepClone(),
                ["generation"] = metadata?["generation"]?.DeepClone(),
                ["ownerReferences"] = metadata?["ownerReferences"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = deployment["spec"]?["replicas"]?.DeepClone() },
            ["status"] = deployment["status"]?.DeepClone(),
        };
    }

    private static string ObjectKey(KubeResource resource, string? ns, string name) => $"{resource.ApiVersion}|{resource.Kind}|{ns}|{name}";

    private static string Hash(JsonObject obj) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(obj.ToJsonString())));
}
