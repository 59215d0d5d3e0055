using System.Diagnostics;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.Operator.Metrics;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// What a controller owns and watches: a change queues the owner (by ownerReference kind), and an object without one
/// queues the keys <paramref name="Owners"/> names. A change that leaves the trimmed object as it was (but for its
/// resourceVersion) queues nothing.
/// </summary>
/// <param name="Trim">What the cache keeps of each object (default: <see cref="ResourceWatcher.Slim"/>).</param>
/// <param name="Owners">The keys to queue for an object that has no ownerReference of the controller's kind.</param>
public sealed record OwnedWatch(KubeResource Kind, string? Selector, ObjectCache Cache, Func<JsonObject, JsonObject>? Trim = null,
    Func<JsonObject, IEnumerable<string>>? Owners = null);

/// <summary>
/// The loop shared by the operator's controllers: a watch of the primary resource keeps a cache and queues
/// its key on every change, secondary watches (the objects it owns) queue their owner, a periodic resync queues every
/// key, and workers reconcile one key at a time with rate-limited retries. Status is written by merge patch only
/// when it differs from what the resource shows.
/// </summary>
public abstract class ResourceController
{
    private readonly List<ResourceWatcher> _watchers = [];

    protected ResourceController(IKubernetesClient client, KubeResource primary, string name, ControllerOptions options, OperatorMetrics metrics, ILogger logger)
    {
        (Client, Primary, Name, Options, Metrics, Logger) = (client, primary, name, options, metrics, logger);
    }

    protected IKubernetesClient Client { get; }
    protected KubeResource Primary { get; }
    public string Name { get; }
    protected ControllerOptions Options { get; }
    protected OperatorMetrics Metrics { get; }
    protected ILogger Logger { get; }
    protected ObjectCache Resources { get; } = new();

    public WorkQueue Queue { get; } = new();

    /// <summary>Every watch has listed once.</summary>
    public bool Synced => _watchers.Count > 0 && _watchers.All(w => w.Lists > 0);

    /// <summary>
    /// A loop of this controller (a worker, a watch, the resync) ended while the controller was not being stopped: it
    /// no longer does all its work, and the operator reports itself not ready.
    /// </summary>
    public bool Broken => Volatile.Read(ref _endedLoops) > 0;

    private int _endedLoops;

    /// <summary>Lists of the primary resource done so far (the first and every re-list).</summary>
    public int ResourceLists => _watchers.Count > 0 ? _watchers[0].Lists : 0;

    /// <summary>The objects this controller owns and watches.</summary>
    protected abstract IEnumerable<OwnedWatch> Owned { get; }

    /// <summary>
    /// Failures a retry may cure, logged as a warning. Any other exception is a bug or an input we did not foresee: it is
    /// logged as an error with its stack trace. Either way the key goes back on the queue with its back-off and the
    /// worker carries on with the next key.
    /// </summary>
    protected virtual bool IsRetryable(Exception e) => e is KubeApiException or KubeUnavailableException or IOException or HttpRequestException or System.Text.Json.JsonException;

    /// <summary>Called as the watch of the primary resource changes the cache: <paramref name="resource"/> as cached now, null once it is gone.</summary>
    protected virtual void OnResourceChanged(string key, JsonObject? resource) { }

    /// <summary>Brings the cluster in line with one resource; <paramref name="resource"/> is null once it is gone.</summary>
    protected abstract Task ReconcileAsync(string key, JsonObject? resource, CancellationToken cancellationToken);

    /// <summary>Reconciles one key now, outside the queue (as a worker would).</summary>
    public Task ReconcileAsync(string key, CancellationToken cancellationToken) => ReconcileAsync(key, Resources.Get(key), cancellationToken);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var watched = new List<KubeResource> { Primary };
        using var listGate = new SemaphoreSlim(1);   // one list at a time: each holds its pages of full objects until trimmed
        _watchers.Add(new ResourceWatcher(Client, Primary, Options.WatchNamespace, null, new Cache(this, Resources, null, null), Logger) { ListGate = listGate });
        foreach (var owned in Owned)
        {
            watched.Add(owned.Kind);
            _watchers.Add(new ResourceWatcher(Client, owned.Kind, Options.WatchNamespace, owned.Selector, new Cache(this, owned.Cache, Primary.Kind, owned.Owners), Logger)
            {
                Trim = owned.Trim ?? ResourceWatcher.Slim,
                ListGate = listGate,
            });
        }
        var tasks = _watchers.Select((w, i) => GuardAsync($"watch of {watched[i].Plural}", () => w.RunAsync(cancellationToken), cancellationToken))
            .Append(GuardAsync("resync", () => ResyncAsync(cancellationToken), cancellationToken)).ToList();
        for (var i = 0; i < Options.Workers; i++) tasks.Add(GuardAsync($"worker {i + 1}", () => WorkAsync(cancellationToken), cancellationToken));
        await Task.WhenAll(tasks);
    }

    /// <summary>Runs one of the controller's loops; one that ends before the controller is stopped marks it <see cref="Broken"/>.</summary>
    private async Task GuardAsync(string loop, Func<Task> run, CancellationToken cancellationToken)
    {
        try
        {
            await run();
            if (!cancellationToken.IsCancellationRequested) Ended(loop, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        catch (Exception e)
        {
            Ended(loop, e);
        }
    }

    private void Ended(string loop, Exception? error)
    {
        Interlocked.Increment(ref _endedLoops);
        Logger.LogCritical(error, "The {Loop} of the {Controller} controller ended; the operator is no longer ready", loop, Name);
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.ResyncPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                foreach (var key in Resources.Keys) Queue.Add(key);
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
                await ReconcileAsync(key, Resources.Get(key), cancellationToken);
                Queue.Forget(key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed = true;
                var delay = Queue.AddRateLimited(key);
                if (IsRetryable(e))
                    Logger.LogWarning("Reconcile of {Kind} {Key} failed: {Error}; retrying in {Delay} ms", Primary.Kind, key, e.Message, (int)delay.TotalMilliseconds);
                else
                    Logger.LogError(e, "Reconcile of {Kind} {Key} failed unexpectedly; retrying in {Delay} ms", Primary.Kind, key, (int)delay.TotalMilliseconds);
            }
            finally
            {
                Metrics.Observe(Name, clock.Elapsed, failed);   // counted before the key is done: an idle queue has counted every reconcile
                Queue.Done(key);
            }
        }
    }

    /// <summary>Merge-patches the status subresource when <paramref name="status"/> differs from the resource's (fields it lacks are removed).</summary>
    protected async Task WriteStatusAsync(string key, JsonObject resource, JsonObject status, CancellationToken cancellationToken)
    {
        var current = resource["status"] as JsonObject;
        if (current is not null && JsonNode.DeepEquals(current, status)) return;
        var patchStatus = (JsonObject)status.DeepClone();
        foreach (var (field, _) in current ?? []) if (!patchStatus.ContainsKey(field)) patchStatus[field] = null;   // merge patch: null removes
        var metadata = resource["metadata"]!;
        var updated = ResourceWatcher.Slim(await Client.MergePatchAsync(Primary, (string)metadata["namespace"]!, (string)metadata["name"]!,
            new JsonObject { ["status"] = patchStatus }, "status", cancellationToken));
        Resources.SetIfNewer(key, updated);
        // The watch does not queue the versions cached here; one that changed more than our status (the resource was
        // edited since this reconcile read it) is reconciled again.
        if (!SameButStatus(resource, updated)) Queue.Add(key);
    }

    /// <summary>The two versions of a resource are equal but for status and metadata.resourceVersion.</summary>
    private static bool SameButStatus(JsonObject before, JsonObject after)
    {
        foreach (var (name, value) in after)
            if (name != "status" && name != "metadata" && !JsonNode.DeepEquals(value, before[name])) return false;
        foreach (var (name, _) in before)
            if (name != "status" && !after.ContainsKey(name)) return false;
        var (a, b) = (before["metadata"] as JsonObject ?? [], after["metadata"] as JsonObject ?? []);
        return a.Count == b.Count && a.All(field => field.Key == "resourceVersion" || (b.TryGetPropertyValue(field.Key, out var other) && JsonNode.DeepEquals(field.Value, other)));
    }

    /// <summary>An ownerReference making <paramref name="owner"/> the controller of what carries it (deleted with it by the GC).</summary>
    protected static JsonArray OwnerReference(JsonObject owner) => new(new JsonObject
    {
        ["apiVersion"] = (string?)owner["apiVersion"] ?? CustomResources.ApiVersion,
        ["kind"] = (string?)owner["kind"],
        ["name"] = (string?)owner["metadata"]?["name"],
        ["uid"] = (string?)owner["metadata"]?["uid"],
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    });

    /// <summary>A name of at most <paramref name="max"/> characters: the name itself, or its start and a hash of the whole.</summary>
    public static string ShortName(string name, int max = 52)
    {
        if (name.Length <= max) return name;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
        return $"{name[..(max - 9)].TrimEnd('-', '.')}-{hash}";
    }

    public static string KeyOf(JsonObject obj) => KeyOf((string?)obj["metadata"]?["namespace"], (string)obj["metadata"]!["name"]!);

    /// <summary>The work-queue and cache key of an object: namespace/name.</summary>
    public static string KeyOf(string? ns, string name) => $"{ns}/{name}";

    protected static DateTimeOffset? Time(JsonNode? node) => DateTimeOffset.TryParse((string?)node, out var t) ? t : null;

    /// <summary>Keeps a cache of one kind; primary changes queue their own key, owned objects' changes queue their owner's.</summary>
    private sealed class Cache(ResourceController controller, ObjectCache cache, string? ownerKind, Func<JsonObject, IEnumerable<string>>? owners) : IWatchHandler
    {
        public Task OnListAsync(IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var key = KeyOf(item);
                seen.Add(key);
                // A newer version cached meanwhile (the answer to one of our writes, made while the list was read) stays.
                cache.SetIfNewer(key, item);
                if (ownerKind is null) controller.OnResourceChanged(key, item);
            }
            foreach (var gone in cache.Keys.Where(k => !seen.Contains(k)).ToList())
                if (cache.Remove(gone) is { } item) Gone(item);
            foreach (var item in items) Enqueue(item);   // once all are known (a reconcile may look at the others)
            return Task.CompletedTask;
        }

        public Task OnEventAsync(WatchEventType type, JsonObject item, CancellationToken cancellationToken)
        {
            var key = KeyOf(item);
            if (type == WatchEventType.Deleted)
            {
                cache.Remove(key);
                Gone(item);
            }
            else
            {
                var before = ownerKind is null ? null : cache.Get(key);
                var newer = cache.SetIfNewer(key, item);
                if (ownerKind is null) controller.OnResourceChanged(key, item);
                // A version the cache holds already (or an older one) is one of our writes, which its reconcile saw, or an
                // event that arrives after the answer to a later write.
                if (newer && (before is null || !SameButVersion(before, item))) Enqueue(item);
            }
            return Task.CompletedTask;
        }

        private void Gone(JsonObject item)
        {
            if (ownerKind is null) controller.OnResourceChanged(KeyOf(item), null);
            Enqueue(item);
        }

        private void Enqueue(JsonObject item)
        {
            if (ownerKind is null)
            {
                controller.Queue.Add(KeyOf(item));
                return;
            }
            var queued = false;
            foreach (var owner in item["metadata"]?["ownerReferences"] as JsonArray ?? [])
                if ((string?)owner?["kind"] == ownerKind && (string?)owner["apiVersion"] == CustomResources.ApiVersion)
                {
                    controller.Queue.Add(KeyOf((string?)item["metadata"]?["namespace"], (string)owner["name"]!));
                    queued = true;
                }
            if (!queued && owners is not null)
                foreach (var key in owners(item)) controller.Queue.Add(key);
        }

        /// <summary>The two objects are equal but for metadata.resourceVersion (compared in place: this runs for every watch event).</summary>
        private static bool SameButVersion(JsonObject before, JsonObject after)
        {
            if (before.Count != after.Count) return false;
            foreach (var (name, value) in before)
            {
                if (!after.TryGetPropertyValue(name, out var other)) return false;
                if (name == "metadata" && value is JsonObject a && other is JsonObject b)
                {
                    if (a.Count != b.Count) return false;
                    foreach (var (field, x) in a)
                        if (field != "resourceVersion" && (!b.TryGetPropertyValue(field, out var y) || !JsonNode.DeepEquals(x, y))) return false;
                }
                else if (!JsonNode.DeepEquals(value, other)) return false;
            }
            return true;
        }
    }
}
