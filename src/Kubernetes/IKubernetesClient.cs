using System.Text.Json.Nodes;

namespace CleanScheduler.Kubernetes;

/// <summary>Options of a LIST: label selector and page size (the client follows <c>continue</c> itself).</summary>
public sealed record ListOptions(string? LabelSelector = null, int? Limit = null);

/// <summary>A whole list: its items and the list's resourceVersion, the point to start a watch from.</summary>
public sealed record KubeList(IReadOnlyList<JsonObject> Items, string ResourceVersion);

public enum WatchEventType { Added, Modified, Deleted, Bookmark }

public sealed record WatchEvent(WatchEventType Type, JsonObject Object)
{
    public string? ResourceVersion => (string?)Object["metadata"]?["resourceVersion"];
}

public sealed record WatchOptions(string? ResourceVersion, string? LabelSelector = null, bool AllowBookmarks = true, int? TimeoutSeconds = null);

/// <summary>
/// The port to a Kubernetes API server, on plain JSON objects. Every error is a <see cref="KubeApiException"/>
/// (typed by status) or, when the server cannot be reached, a <see cref="KubeUnavailableException"/>.
/// </summary>
public interface IKubernetesClient
{
    /// <summary>The object, or null when the server answers 404.</summary>
    Task<JsonObject?> GetAsync(KubeResource resource, string? @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// All items, following <c>continue</c> tokens when <see cref="ListOptions.Limit"/> pages the list. With
    /// <paramref name="select"/>, each item is replaced by what it returns as its page arrives, so only one page of
    /// full objects is held at a time (a cache that keeps a summary of each).
    /// </summary>
    Task<KubeList> ListAsync(KubeResource resource, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default,
        Func<JsonObject, JsonObject>? select = null);

    Task<JsonObject> CreateAsync(KubeResource resource, JsonObject body, CancellationToken cancellationToken = default);

    /// <summary>Server-side apply: the body is this field manager's complete intent for the object.</summary>
    Task<JsonObject> ApplyAsync(KubeResource resource, JsonObject body, string fieldManager, bool force, CancellationToken cancellationToken = default);

    /// <summary>JSON merge patch (RFC 7386); unconditional unless the patch pins metadata.resourceVersion. Subresource: null or "status".</summary>
    Task<JsonObject> MergePatchAsync(KubeResource resource, string? @namespace, string name, JsonObject patch, string? subresource = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// DELETE. Returns the object when finalizers keep it (it now has a deletionTimestamp), null when it is gone;
    /// a missing object is <see cref="KubeNotFoundException"/>.
    /// </summary>
    Task<JsonObject?> DeleteAsync(KubeResource resource, string? @namespace, string name, string? propagationPolicy = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// One watch request: events until the server ends the stream. An ERROR event becomes the matching
    /// <see cref="KubeApiException"/> (410 Expired is <see cref="KubeGoneException"/>: re-list).
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(KubeResource resource, string? @namespace, WatchOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// A pod's log as a stream of text, or null when there is none yet (204: the pod is not running). With
    /// <paramref name="timestamps"/> each line starts with its RFC 3339 time and a space.
    /// </summary>
    Task<Stream?> GetLogsAsync(string @namespace, string pod, string? container, bool follow, int? tailLines = null,
        int? sinceSeconds = null, bool timestamps = false, CancellationToken cancellationToken = default);
}
