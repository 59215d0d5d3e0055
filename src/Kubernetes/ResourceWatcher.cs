using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Kubernetes;

/// <summary>What a <see cref="ResourceWatcher"/> reports: a full list (after start or a 410), or one change.</summary>
public interface IWatchHandler
{
    /// <summary>The complete current set. Objects known before and absent here were deleted while we were not watching.</summary>
    Task OnListAsync(IReadOnlyList<JsonObject> items, CancellationToken cancellationToken);

    Task OnEventAsync(WatchEventType type, JsonObject item, CancellationToken cancellationToken);
}

/// <summary>
/// List, then watch from the list's resourceVersion, for as long as it runs: a stream the server ends is
/// resumed from the last event or bookmark seen; an expired resourceVersion (410, inside the stream or as
/// an HTTP status) means list again; an unreachable server is retried with capped exponential back-off.
/// </summary>
public sealed class ResourceWatcher(
    IKubernetesClient client, KubeResource resource, string? @namespace, string? labelSelector, IWatchHandler handler, ILogger logger)
{
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one watch request may stay open before the server ends it (we then resume).</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>Applied to every object before the handler sees it: what a cache keeps (default: <see cref="Slim"/>).</summary>
    public Func<JsonObject, JsonObject> Trim { get; init; } = Slim;

    /// <summary>
    /// The object without what no controller of ours reads and that weighs most: managedFields and kubectl's
    /// last-applied-configuration annotation.
    /// </summary>
    public static JsonObject Slim(JsonObject item)
    {
        if (item["metadata"] is JsonObject metadata)
        {
            metadata.Remove("managedFields");
            (metadata["annotations"] as JsonObject)?.Remove("kubectl.kubernetes.io/last-applied-configuration");
        }
        return item;
    }

    /// <summary>
    /// A copy of <paramref name="item"/> that no longer points into the response it was parsed from: a node read from a
    /// response keeps the whole response's document alive.
    /// </summary>
    public static JsonObject Detached(JsonObject item) =>
        ScratchJson.Write(item, static (w, i) => i.WriteTo(w), static bytes => (JsonObject)JsonNode.Parse(bytes)!);

    /// <summary>
    /// Shared by watches that should not list at the same time (a controller's): nine lists at once made the operator's
    /// peak memory.
    /// </summary>
    public SemaphoreSlim? ListGate { get; init; }

    /// <summary>Counts of lists done (the first and every re-list), for tests and metrics.</summary>
    public int Lists { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var backoff = InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    if (ListGate is not null) await ListGate.WaitAsync(cancellationToken);
                    try
                    {
                        // Each page trimmed and copied out of its response as it arrives: one page of full objects at a time.
                        var list = await client.ListAsync(resource, @namespace, new ListOptions(labelSelector, Limit: 100), cancellationToken,
                            item => Detached(Trim(item)));
                        Lists++;
                        await handler.OnListAsync(list.Items, cancellationToken);
                        resourceVersion = list.ResourceVersion;
                    }
                    finally { ListGate?.Release(); }
                }
                var options = new WatchOptions(resourceVersion, labelSelector, AllowBookmarks: true, TimeoutSeconds: WatchTimeoutSeconds);
                await foreach (var change in client.WatchAsync(resource, @namespace, options, cancellationToken))
                {
                    resourceVersion = change.ResourceVersion ?? resourceVersion;
                    if (change.Type != WatchEventType.Bookmark) await handler.OnEventAsync(change.Type, Trim(change.Object), cancellationToken);
                    backoff = InitialBackoff;
                }
            }
            catch (KubeGoneException e)
            {
                logger.LogInformation("Watch of {Resource} expired ({Message}); listing again", resource.Plural, e.ApiMessage);
                resourceVersion = null;
            }
            catch (Exception e) when (e is KubeUnavailableException or KubeApiException or IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Watch of {Resource} failed: {Error}; retrying in {Delay} ms", resource.Plural, e.Message, (int)backoff.TotalMilliseconds);
                try { await Task.Delay(Jitter(backoff), cancellationToken); }
                catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + Random.Shared.NextDouble() * 0.4);
}
