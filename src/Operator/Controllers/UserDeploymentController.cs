using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
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
/// The UserDeployment controller (DESIGN.md §6): watches UserDeployments and every kind of object they own, queues the
/// resource on every change (of an owned object: its owner) and on each resync, and reconciles it: template,
/// every owned object by server-side apply (only when what we would apply differs from what we last applied, or the
/// object differs from what that apply left: deleted or edited by hand), pruning of objects no longer rendered, and
/// status from the owned Deployments. A reconcile with nothing changed sends no request. No finalizer: every owned object
/// carries an ownerReference, so the API server's garbage collector removes it with the resource (a finalizer would cost
/// a write and a second reconcile of every new resource); one an earlier operator put on is still removed on deletion.
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

    /// <summary>
    /// The owned kinds whose changes are watched (label-selected to what we manage): each cached as a summary with the
    /// hash of the fields we apply (<see cref="DriftHash"/>). Secrets are the server's and the operator may not read them.
    /// </summary>
    public static readonly IReadOnlyList<KubeResource> WatchedKinds =
    [
        KubeResource.Namespaces, KubeResource.ResourceQuotas, KubeResource.LimitRanges, KubeResource.NetworkPolicies, KubeResource.ConfigMaps,
        KubeResource.Deployments, KubeResource.Services, KubeResource.Ingresses, KubeResource.ExternalSecrets,
    ];

    private readonly Dictionary<KubeResource, ObjectCache> _caches = WatchedKinds
        .Where(k => k != KubeResource.ExternalSecrets || options.Render.ClusterSecretStore is not null)
        .ToDictionary(k => k, _ => new ObjectCache());
    private readonly ConcurrentDictionary<string, Applied> _applied = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _owned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _templates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ParsedSpec> _specs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HostClaim> _hosts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _namespaces = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _sharedGates = new(StringComparer.Ordinal);

    /// <summary>The host a live resource claims, and when the resource was created (the first claim keeps the host).</summary>
    private sealed record HostClaim(string Host, DateTimeOffset Created, bool ServerMade);

    /// <summary>What we last applied of an object (the hash of the rendered object) and what the API server answered (its <see cref="DriftHash"/>).</summary>
    private sealed record Applied(string Rendered, string Observed);

    private ObjectCache Deployments => _caches[KubeResource.Deployments];

    private ObjectCache Ingresses => _caches[KubeResource.Ingresses];

    /// <summary>
    /// Every owned kind, cached as summaries (Deployments with their replicas and status, which the status needs). A
    /// change queues the owner: by ownerReference, and for the namespace-wide objects (Namespace, ResourceQuota,
    /// LimitRange) every resource of the namespace. ExternalSecrets only when a ClusterSecretStore is configured.
    /// </summary>
    protected override IEnumerable<OwnedWatch> Owned =>
        _caches.Keys.Select(kind =>
            new OwnedWatch(kind, ManagedSelector, _caches[kind], kind == KubeResource.Deployments ? DeploymentSummary : Summary,
                Owners: o => ResourcesIn(kind == KubeResource.Namespaces ? (string?)o["metadata"]?["name"] : (string?)o["metadata"]?["namespace"])));

    /// <summary>
    /// The resources of a namespace, from an index the watch of the resources keeps: this runs for every owned object
    /// without an owner (the namespace-wide ones, and every such object an initial list returns), so no scan of all keys.
    /// </summary>
    private IEnumerable<string> ResourcesIn(string? ns) => ns is not null && _namespaces.TryGetValue(ns, out var keys) ? keys.Keys : [];

    protected override bool IsRetryable(Exception e) => e is UserDeploymentSpecException || base.IsRetryable(e);

    // --- hosts ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Keeps the index of the resources by namespace (<see cref="ResourcesIn"/>) and the index of the hosts the resources
    /// claim (every resource that exists and is not being deleted claims its host, public port or not, as the server's
    /// database does). When a claim changes, the other claimants of
    /// the hosts concerned are queued: one may now hold the host, or have lost it to an older resource.
    /// </summary>
    protected override void OnResourceChanged(string key, JsonObject? resource)
    {
        var ns = key[..key.IndexOf('/', StringComparison.Ordinal)];
        if (resource is not null) _namespaces.GetOrAdd(ns, _ => new(StringComparer.Ordinal))[key] = 0;
        else if (_namespaces.TryGetValue(ns, out var keys)) keys.TryRemove(key, out _);
        var live = resource is not null && resource["metadata"]?["deletionTimestamp"] is null && (string?)resource["spec"]?["desiredState"] != "deleted";
        var claim = live
            ? new HostClaim(HostOf(resource!, Options.DeploymentDomain), Time(resource!["metadata"]?["creationTimestamp"]) ?? DateTimeOffset.MaxValue,
                (string?)resource!["metadata"]?["labels"]?[ClusterNames.ManagedByLabel] == ClusterNames.ManagedBy)
            : null;
        _hosts.TryGetValue(key, out var before);
        if (claim == before) return;
        if (claim is null) _hosts.TryRemove(key, out _); else _hosts[key] = claim;
        foreach (var other in _hosts.Where(h => h.Key != key && (SameHost(h.Value.Host, before?.Host) || SameHost(h.Value.Host, claim?.Host))).Select(h => h.Key).ToList())
            Queue.Add(other);
    }

    /// <summary>
    /// The resource that holds <paramref name="host"/>: of those claiming it, one the server made (the server's database
    /// gives each host to one deployment, so a hand-written resource cannot take a tenant's address, not even while a
    /// deployment is re-created or moved), then the first created, then by namespace/name.
    /// </summary>
    private string? HostHolder(string host) => _hosts
        .Where(h => SameHost(h.Value.Host, host))
        .OrderByDescending(h => h.Value.ServerMade).ThenBy(h => h.Value.Created).ThenBy(h => h.Key, StringComparer.Ordinal)
        .Select(h => h.Key).FirstOrDefault();

    private static bool SameHost(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>The host a resource's Ingress serves, derived as the renderer's input derives it.</summary>
    private static string HostOf(JsonObject resource, string domain) => UserDeploymentInput.HostOf(
        (string?)resource["spec"]?["host"], (string?)resource["spec"]?["owner"]?["user"], (string?)resource["metadata"]?["namespace"] ?? "",
        (string?)resource["metadata"]?["name"] ?? "", domain);

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
        var described = new UserDeploymentStatuses.Of((long?)metadata["generation"] ?? 1,
            resource["spec"]?["revision"] is JsonValue revision && long.TryParse(revision.ToJsonString(), out var r) ? r : null);   // absent stays absent
        var desired = (string?)resource["spec"]?["desiredState"] ?? "running";
        var finalizers = (metadata["finalizers"] as JsonArray ?? []).Select(f => (string?)f).ToList();

        if (metadata["deletionTimestamp"] is not null || desired == "deleted")
        {
            await CleanUpAsync(key, resource, ns, name, finalizers, deleting: metadata["deletionTimestamp"] is not null, cancellationToken);
            return;
        }
        RenderInput input;
        IReadOnlyList<JsonObject> rendered;
        try
        {
            var template = await TemplateSpecAsync(key, resource, ns, cancellationToken);
            input = UserDeploymentInput.From(resource, template, Options.DeploymentDomain);
            rendered = ManifestRenderer.Render(input, Options.Render);   // past the render limits: Degraded, RenderLimitExceeded
        }
        catch (UserDeploymentSpecException e)
        {
            await WriteStatusAsync(key, resource, UserDeploymentStatuses.Invalid(e.Message, described, PreviousStatus(resource), DateTimeOffset.UtcNow, e.Reason), cancellationToken);
            throw;
        }

        // A host another resource holds gets no Ingress (the rest still runs). The status names the holder only when it
        // is in the same namespace: the status is copied to the deployment's owner, who must not learn another tenant's
        // namespace and names (the log has them).
        var holder = HostHolder(input.Host);
        var hostConflict = holder is not null && holder != key
            ? $"Host {input.Host} is already served by {(holder.StartsWith(ns + "/", StringComparison.Ordinal) ? $"UserDeployment {holder}" : "a UserDeployment in another namespace")}; this deployment gets no Ingress until that one is gone"
            : null;
        if (hostConflict is not null) Logger.LogWarning("UserDeployment {Key} claims host {Host}, which {Holder} holds: no Ingress", key, input.Host, holder);
        var objects = rendered.Where(o => hostConflict is null || (string?)o["kind"] != "Ingress").ToList();
        var owned = new HashSet<string>(StringComparer.Ordinal);
        if (hostConflict is not null && Ingresses.ContainsKey(KeyOf(ns, name)))   // applied before the conflict, or by an earlier run
            await DeleteOwnedAsync(ObjectKey(KubeResource.Ingresses, ns, name), cancellationToken);
        foreach (var obj in objects)
        {
            var target = KubeResource.For((string)obj["apiVersion"]!, (string)obj["kind"]!);
            var objectKey = ObjectKey(target, (string?)obj["metadata"]!["namespace"], (string)obj["metadata"]!["name"]!);
            var shared = obj["metadata"]!["ownerReferences"] is null;   // namespace-wide: rendered alike for every resource of the namespace
            if (!shared) owned.Add(objectKey);
            var hash = Hash(obj);
            // Applied before, unchanged since, and the object as the watch last saw it is what our apply left: nothing to do.
            // Missing (deleted by hand) or edited (its hash differs), it is applied again.
            if (Current(objectKey, target, obj, hash)) continue;
            // A namespace-wide object is applied by one reconcile at a time, so the resources of a new namespace write it once.
            var gate = shared ? _sharedGates.GetOrAdd(objectKey, _ => new SemaphoreSlim(1)) : null;
            if (gate is not null) await gate.WaitAsync(cancellationToken);
            try
            {
                if (gate is not null && Current(objectKey, target, obj, hash)) continue;
                var live = await Client.ApplyAsync(target, obj, Options.FieldManager, force: true, cancellationToken: cancellationToken);
                _applied[objectKey] = new Applied(hash, DriftHash(live));
                if (_caches.TryGetValue(target, out var cache))
                    cache.SetIfNewer(KeyOf(live), target == KubeResource.Deployments ? DeploymentSummary(live) : Summary(live));
            }
            finally { gate?.Release(); }
        }
        if (_owned.TryGetValue(key, out var before))
            foreach (var stale in before.Where(k => !owned.Contains(k)))
                await DeleteOwnedAsync(stale, cancellationToken);
        _owned[key] = owned;

        var status = UserDeploymentStatuses.Compute(input, described, n => Deployments.Get(KeyOf(ns, n)), PreviousStatus(resource), DateTimeOffset.UtcNow, hostConflict);
        await WriteStatusAsync(key, resource, status, cancellationToken);
    }

    private Task WriteStatusAsync(string key, JsonObject resource, UserDeploymentStatus status, CancellationToken cancellationToken) =>
        WriteStatusAsync(key, resource, CustomResources.ToJson(status), cancellationToken);

    /// <summary>The status the resource has (its conditions keep their lastTransitionTime); one someone broke counts as none.</summary>
    private static UserDeploymentStatus? PreviousStatus(JsonObject resource)
    {
        if (resource["status"] is not JsonObject status) return null;
        try { return CustomResources.From<UserDeploymentStatus>(status); }
        catch (JsonException) { return null; }
    }

    /// <summary>The services to render: parsed once per generation of the resource (its spec changes only with a new one).</summary>
    private async Task<TemplateSpec> TemplateSpecAsync(string key, JsonObject resource, string ns, CancellationToken cancellationToken)
    {
        var (uid, generation) = ((string?)resource["metadata"]?["uid"], (long?)resource["metadata"]?["generation"]);
        if (_specs.TryGetValue(key, out var known) && uid is not null && known.Uid == uid && generation is not null && known.Generation == generation)
            return known.Spec;
        var spec = CustomResources.From<UserDeploymentSpec>(resource["spec"]);
        var template = UserDeploymentInput.Spec(spec, spec.Services is { Count: > 0 } ? null : await TemplateAsync(ns, spec.TemplateRef, cancellationToken));
        if (uid is not null && generation is not null) _specs[key] = new ParsedSpec(uid, generation.Value, template);
        return template;
    }

    private sealed record ParsedSpec(string Uid, long Generation, TemplateSpec Spec);

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
        try { await Client.DeleteAsync(kind, parts[2].Length == 0 ? null : parts[2], parts[3], "Background", cancellationToken); }
        catch (KubeNotFoundException) { }
        _applied.TryRemove(objectKey, out _);
    }

    private void Forget(string key, bool keepResource = false)
    {
        if (_owned.TryRemove(key, out var owned))
            foreach (var objectKey in owned) _applied.TryRemove(objectKey, out _);
        _specs.TryRemove(key, out _);
        if (!keepResource) Resources.Remove(key);
    }

    /// <summary>Applied before as rendered now, and the object as the watch last saw it is what that apply left.</summary>
    private bool Current(string objectKey, KubeResource kind, JsonObject obj, string hash) =>
        _applied.TryGetValue(objectKey, out var last) && last.Rendered == hash && !Drifted(kind, KeyOf(obj), last);

    /// <summary>Whether the object differs from what our last apply left (or is gone); a kind we do not watch never has.</summary>
    private bool Drifted(KubeResource kind, string key, Applied last) =>
        _caches.TryGetValue(kind, out var cache) && (string?)cache.Get(key)?["hash"] != last.Observed;

    /// <summary>What the controller keeps of an owned object: its name, owner and the hash of what we apply.</summary>
    private static JsonObject Summary(JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject;
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata?["name"]?.DeepClone(),
                ["namespace"] = metadata?["namespace"]?.DeepClone(),
                ["resourceVersion"] = metadata?["resourceVersion"]?.DeepClone(),
                ["ownerReferences"] = Owners(metadata?["ownerReferences"]),
            },
            ["hash"] = DriftHash(obj),
        };
    }

    /// <summary>
    /// What the controller reads of an owned Deployment (name, owner, resourceVersion, replicas, hash, and of its status
    /// what <see cref="UserDeploymentStatuses"/> reads): a fraction of the object. The Deployment controller's other status
    /// updates (updated/available replicas, a condition's lastUpdateTime) leave the summary as it was and queue nothing.
    /// </summary>
    private static JsonObject DeploymentSummary(JsonObject deployment)
    {
        var summary = Summary(deployment);
        summary["metadata"]!["generation"] = deployment["metadata"]?["generation"]?.DeepClone();
        summary["spec"] = new JsonObject { ["replicas"] = deployment["spec"]?["replicas"]?.DeepClone() };
        if (deployment["status"] is JsonObject status)
            summary["status"] = new JsonObject
            {
                ["observedGeneration"] = status["observedGeneration"]?.DeepClone(),
                ["replicas"] = status["replicas"]?.DeepClone(),
                ["readyReplicas"] = status["readyReplicas"]?.DeepClone(),
                ["conditions"] = new JsonArray(UserDeploymentStatuses.FailureConditions(status).Select(c => (JsonNode?)new JsonObject
                {
                    ["type"] = c["type"]?.DeepClone(), ["status"] = c["status"]?.DeepClone(), ["reason"] = c["reason"]?.DeepClone(), ["message"] = c["message"]?.DeepClone(),
                }).ToArray()),
            };
        return summary;
    }

    /// <summary>The ownerReferences as far as queueing the owner needs them (apiVersion, kind, name).</summary>
    private static JsonArray? Owners(JsonNode? references) => references is JsonArray array
        ? new JsonArray(array.Select(r => (JsonNode?)new JsonObject
        {
            ["apiVersion"] = r?["apiVersion"]?.DeepClone(), ["kind"] = r?["kind"]?.DeepClone(), ["name"] = r?["name"]?.DeepClone(),
        }).ToArray())
        : null;

    /// <summary>
    /// A hash of what an object holds that we apply: labels, annotations (not those the Deployment controller and kubectl
    /// keep), ownerReferences, and every top-level field but status (spec, data, ...). Defaults the API server fills in
    /// are part of it too; they are the same in the answer to our apply and in what the watch sees later, so only a
    /// change by someone else makes the two differ.
    /// </summary>
    public static string DriftHash(JsonObject obj)
    {
        // Written straight from the nodes into the thread's scratch buffer: this runs for every watch event of every owned kind.
        return ScratchJson.Write(obj, static (writer, obj) =>
        {
            var metadata = obj["metadata"] as JsonObject;
            writer.WriteStartObject();
            writer.WritePropertyName("labels");
            WriteOrNull(writer, metadata?["labels"]);
            writer.WriteStartObject("annotations");
            foreach (var (name, value) in metadata?["annotations"] as JsonObject ?? [])
                if (!name.StartsWith("deployment.kubernetes.io/", StringComparison.Ordinal) && name != "kubectl.kubernetes.io/last-applied-configuration")
                {
                    writer.WritePropertyName(name);
                    WriteOrNull(writer, value);
                }
            writer.WriteEndObject();
            writer.WritePropertyName("ownerReferences");
            WriteOrNull(writer, metadata?["ownerReferences"]);
            foreach (var (name, value) in obj)
                if (name is not ("apiVersion" or "kind" or "metadata" or "status"))
                {
                    writer.WritePropertyName(name);
                    WriteOrNull(writer, value);
                }
            writer.WriteEndObject();
        }, static bytes => Convert.ToBase64String(SHA256.HashData(bytes).AsSpan(0, 12)));
    }

    private static void WriteOrNull(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null) writer.WriteNullValue();
        else node.WriteTo(writer);
    }

    private static string ObjectKey(KubeResource resource, string? ns, string name) => $"{resource.ApiVersion}|{resource.Kind}|{ns}|{name}";

    private static string Hash(JsonObject obj) => ScratchJson.Write(obj, static (w, o) => o.WriteTo(w), static bytes => Convert.ToBase64String(SHA256.HashData(bytes)));
}
