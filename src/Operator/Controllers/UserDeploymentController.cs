using System.Collections.Concurrent;
using System.Diagnostics;
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
public sealed class UserDeploymentController
{
    public const string FieldManager = "cleanscheduler-operator";
    public const string Name = "userdeployment";
    private const string ManagedSelector = "app.kubernetes.io/managed-by=" + ManifestRenderer.ManagedBy;

    private static readonly KubeResource[] OwnedKinds =
    [
        KubeResource.Deployments, KubeResource.Services, KubeResource.ConfigMaps, KubeResource.Ingresses,
        KubeResource.NetworkPolicies, KubeResource.ExternalSecrets, // Secrets: the server's, owned by the resource, removed by GC
    ];

    private readonly IKubernetesClient _client;
    private readonly ControllerOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, JsonObject> _resources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _deployments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _applied = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _owned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _templates = new(StringComparer.Ordinal);

    public UserDeploymentController(IKubernetesClient client, ControllerOptions options, OperatorMetrics metrics, ILogger logger)
    {
        _client = client;
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public WorkQueue Queue { get; } = new();

    /// <summary>True once both watches have listed: the caches hold the cluster's state.</summary>
    public bool Synced => _resourceWatcher?.Lists > 0 && _deploymentWatcher?.Lists > 0;

    public int ResourceLists => _resourceWatcher?.Lists ?? 0;

    private ResourceWatcher? _resourceWatcher;
    private ResourceWatcher? _deploymentWatcher;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _resourceWatcher = new ResourceWatcher(_client, KubeResource.UserDeployments, _options.WatchNamespace, null, new ResourceEvents(this), _logger);
        _deploymentWatcher = new ResourceWatcher(_client, KubeResource.Deployments, _options.WatchNamespace, ManagedSelector, new DeploymentEvents(this), _logger)
        {
            Trim = DeploymentSummary,
        };
        var tasks = new List<Task>
        {
            _resourceWatcher.RunAsync(cancellationToken),
            _deploymentWatcher.RunAsync(cancellationToken),
            ResyncAsync(cancellationToken),
        };
        for (var i = 0; i < _options.Workers; i++) tasks.Add(WorkAsync(cancellationToken));
        await Task.WhenAll(tasks);
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ResyncPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                foreach (var key in _resources.Keys) Queue.Add(key);
        }
        catch (OperationCanceledException) { }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            string key;
            try { key = await Queue.TakeAsync(cancellationToken); }
            catch (OperationCanceledException) { return; }
            var clock = Stopwatch.StartNew();
            var failed = false;
            try
            {
                await ReconcileAsync(key, cancellationToken);
                Queue.Forget(key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is KubeApiException or KubeUnavailableException or UserDeploymentSpecException or IOException or HttpRequestException or System.Text.Json.JsonException)
            {
                failed = true;
                var delay = Queue.AddRateLimited(key);
                _logger.LogWarning("Reconcile of UserDeployment {Key} failed: {Error}; retrying in {Delay} ms", key, e.Message, (int)delay.TotalMilliseconds);
            }
            finally
            {
                Queue.Done(key);
                _metrics.Observe(Name, clock.Elapsed, failed);
            }
        }
    }

    // --- reconcile ---------------------------------------------------------------------------------------------------

    public async Task ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        if (!_resources.TryGetValue(key, out var resource))
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
            resource = ResourceWatcher.Slim(await _client.MergePatchAsync(KubeResource.UserDeployments, ns, name, patch, cancellationToken: cancellationToken));
            _resources[key] = resource;
        }

        RenderInput input;
        try
        {
            var spec = CustomResources.From<UserDeploymentSpec>(resource["spec"]);
            var template = UserDeploymentInput.Spec(spec, spec.Services is { Count: > 0 } ? null : await TemplateAsync(ns, spec.TemplateRef, cancellationToken));
            input = UserDeploymentInput.From(resource, template, _options.DeploymentDomain);
        }
        catch (UserDeploymentSpecException e)
        {
            await WriteStatusAsync(key, resource, UserDeploymentStatus.Invalid(e.Message, generation, resource["status"] as JsonObject, DateTimeOffset.UtcNow), cancellationToken);
            throw;
        }

        var objects = ManifestRenderer.Render(input, _options.Render);
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var obj in objects)
        {
            var target = KubeResource.For((string)obj["apiVersion"]!, (string)obj["kind"]!);
            var objectKey = ObjectKey(target, (string?)obj["metadata"]!["namespace"], (string)obj["metadata"]!["name"]!);
            if (obj["metadata"]!["ownerReferences"] is not null) owned.Add(objectKey);
            var hash = Hash(obj);
            var missing = target == KubeResource.Deployments && !_deployments.ContainsKey(NsName((string?)obj["metadata"]!["namespace"], (string)obj["metadata"]!["name"]!));
            if (!missing && _applied.TryGetValue(objectKey, out var last) && last == hash) continue;
            var live = await _client.ApplyAsync(target, obj, _options.FieldManager, force: true, cancellationToken: cancellationToken);
            _applied[objectKey] = hash;
            if (target == KubeResource.Deployments)
            {
                var summary = DeploymentSummary(live);
                _deployments.AddOrUpdate(KeyOf(summary), summary, (_, existing) => Newer(existing, summary));
            }
        }
        if (_owned.TryGetValue(key, out var before))
            foreach (var stale in before.Where(k => !owned.Contains(k)))
                await DeleteOwnedAsync(stale, cancellationToken);
        _owned[key] = owned;

        var status = UserDeploymentStatus.Compute(input, generation, n => _deployments.GetValueOrDefault(NsName(ns, n)), resource["status"] as JsonObject, DateTimeOffset.UtcNow);
        await WriteStatusAsync(key, resource, status, cancellationToken);
    }

    private async Task<string?> TemplateAsync(string ns, TemplateRef? reference, CancellationToken cancellationToken)
    {
        if (reference is null) return null;
        var cacheKey = NsName(ns, reference.ConfigMapName);
        if (_templates.TryGetValue(cacheKey, out var cached)) return cached; // a published version never changes
        var map = await _client.GetAsync(KubeResource.ConfigMaps, ns, reference.ConfigMapName, cancellationToken);
        var text = (string?)map?["data"]?[TemplateConfigMap.Key];
        if (text is not null) _templates[cacheKey] = text;
        return text;
    }

    private async Task WriteStatusAsync(string key, JsonObject resource, JsonObject status, CancellationToken cancellationToken)
    {
        if (await ResourceController.PatchStatusIfChangedAsync(_client, KubeResource.UserDeployments, resource, status, cancellationToken) is { } updated)
            _resources.AddOrUpdate(key, updated, (_, existing) => Newer(existing, updated));
    }

    private async Task CleanUpAsync(string key, JsonObject resource, string ns, string name, List<string?> finalizers, bool deleting, CancellationToken cancellationToken)
    {
        var selector = $"app.kubernetes.io/instance={name},{ManagedSelector}";
        foreach (var kind in OwnedKinds)
        {
            KubeList list;
            try { list = await _client.ListAsync(kind, ns, new ListOptions(selector), cancellationToken); }
            catch (KubeNotFoundException) { continue; } // a kind this cluster does not serve (ExternalSecret without the ESO)
            foreach (var item in list.Items)
            {
                try { await _client.DeleteAsync(kind, ns, (string)item["metadata"]!["name"]!, "Background", cancellationToken); }
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
            await _client.MergePatchAsync(KubeResource.UserDeployments, ns, name, patch, cancellationToken: cancellationToken);
            return;
        }
        // desiredState: deleted. The owned objects are gone; now the resource itself (the finalizer pass follows).
        try { await _client.DeleteAsync(KubeResource.UserDeployments, ns, name, cancellationToken: cancellationToken); }
        catch (KubeNotFoundException) { }
    }

    private async Task DeleteOwnedAsync(string objectKey, CancellationToken cancellationToken)
    {
        var parts = objectKey.Split('|');
        var kind = KubeResource.Known.First(r => r.ApiVersion == parts[0] && r.Kind == parts[1]);
        try { await _client.DeleteAsync(kind, parts[2], parts[3], "Background", cancellationToken); }
        catch (KubeNotFoundException) { }
        _applied.TryRemove(objectKey, out _);
    }

    private void Forget(string key, bool keepResource = false)
    {
        if (_owned.TryRemove(key, out var owned))
            foreach (var objectKey in owned) _applied.TryRemove(objectKey, out _);
        if (!keepResource) _resources.TryRemove(key, out _);
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

    private static string NsName(string? ns, string name) => $"{ns}/{name}";

    private static string KeyOf(JsonObject obj) => ResourceController.KeyOf(obj);

    private static string Hash(JsonObject obj) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(obj.ToJsonString())));

    private static JsonObject Newer(JsonObject a, JsonObject b) => ResourceController.Newer(a, b);

    // --- watch handlers --------------------------------------------------------------------------------------------

    private sealed class ResourceEvents(UserDeploymentController controller) : IWatchHandler
    {
        public Task OnListAsync(IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var key = KeyOf(item);
                seen.Add(key);
                controller._resources[key] = item;
                controller.Queue.Add(key);
            }
            foreach (var gone in controller._resources.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                controller._resources.TryRemove(gone, out _);
                controller.Queue.Add(gone);
            }
            return Task.CompletedTask;
        }

        public Task OnEventAsync(WatchEventType type, JsonObject item, CancellationToken cancellationToken)
        {
            var key = KeyOf(item);
            if (type == WatchEventType.Deleted) controller._resources.TryRemove(key, out _);
            else controller._resources.AddOrUpdate(key, item, (_, existing) => Newer(existing, item));
            controller.Queue.Add(key);
            return Task.CompletedTask;
        }
    }

    private sealed class DeploymentEvents(UserDeploymentController controller) : IWatchHandler
    {
        public Task OnListAsync(IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var key = KeyOf(item);
                seen.Add(key);
                controller._deployments[key] = item;
                EnqueueOwner(item);
            }
            foreach (var gone in controller._deployments.Keys.Where(k => !seen.Contains(k)).ToList())
                if (controller._deployments.TryRemove(gone, out var removed)) Removed(removed);
            return Task.CompletedTask;
        }

        public Task OnEventAsync(WatchEventType type, JsonObject item, CancellationToken cancellationToken)
        {
            var key = KeyOf(item);
            if (type == WatchEventType.Deleted)
            {
                controller._deployments.TryRemove(key, out _);
                Removed(item);
            }
            else controller._deployments[key] = item;
            EnqueueOwner(item);
            return Task.CompletedTask;
        }

        private void Removed(JsonObject item)
        {
            // Deleted behind our back: forget that we applied it, so that the owner's next reconcile applies it again.
            controller._applied.TryRemove(ObjectKey(KubeResource.Deployments, (string?)item["metadata"]?["namespace"], (string)item["metadata"]!["name"]!), out _);
            EnqueueOwner(item);
        }

        private void EnqueueOwner(JsonObject item)
        {
            foreach (var owner in item["metadata"]?["ownerReferences"] as JsonArray ?? [])
                if ((string?)owner?["kind"] == "UserDeployment" && (string?)owner["apiVersion"] == CustomResources.ApiVersion)
                    controller.Queue.Add(NsName((string?)item["metadata"]?["namespace"], (string)owner["name"]!));
        }
    }
}
