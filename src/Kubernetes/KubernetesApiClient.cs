using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// <see cref="IKubernetesClient"/> over the official client (KubernetesClient): its custom-object calls serve every
/// group, core included, on plain JSON objects. What the package leaves to us: the API's error <c>Status</c> bodies as
/// typed exceptions, 5xx / 429 / timeouts / connection errors as <see cref="KubeUnavailableException"/>, and a time
/// limit for each non-watch request.
/// </summary>
public sealed class KubernetesApiClient : IKubernetesClient, IDisposable
{
    private readonly k8s.Kubernetes _api;


    /// <param name="configuration">From <see cref="KubernetesConfiguration.TryDiscover"/> (in-cluster or a kubeconfig, any auth the package knows).</param>
    public KubernetesApiClient(KubernetesClientConfiguration configuration, string userAgent = "cleanscheduler", TimeSpan? requestTimeout = null)
    {
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
        configuration.UserAgent = userAgent;
        configuration.HttpClientTimeout = RequestTimeout;   // the package applies it to every call but watches
        configuration.FirstMessageHandlerSetup = handler =>
        {
            handler.ConnectTimeout = TimeSpan.FromSeconds(5);
            handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1);
            handler.EnableMultipleHttp2Connections = true;
        };
        Server = configuration.Host;
        _api = new k8s.Kubernetes(configuration);
    }

    /// <summary>The package's client, for what it does whole (the leader election's Lease lock).</summary>
    public IKubernetes Api => _api;

    public string Server { get; }

    /// <summary>Time limit of one non-watch request.</summary>
    public TimeSpan RequestTimeout { get; }

    private ICustomObjectsOperations Objects => _api.CustomObjects;

    public async Task<JsonObject?> GetAsync(KubeResource resource, string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync($"GET {resource.Plural}/{name}", ct => Scoped(resource, @namespace)
                ? Objects.GetNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, @namespace!, resource.Plural, name, cancellationToken: ct)
                : Objects.GetClusterCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, resource.Plural, name, cancellationToken: ct), cancellationToken);
        }
        catch (KubeNotFoundException) { return null; }
    }

    public async Task<KubeList> ListAsync(KubeResource resource, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default,
        Func<JsonObject, JsonObject>? select = null)
    {
        var items = new List<JsonObject>();
        string? next = null;
        string resourceVersion;
        do
        {
            var page = next;
            var list = await SendAsync($"LIST {resource.Plural}", ct => Scoped(resource, @namespace)
                ? Objects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, @namespace!, resource.Plural,
                    continueParameter: page, labelSelector: options?.LabelSelector, limit: options?.Limit, cancellationToken: ct)
                : Objects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, resource.Plural,
                    continueParameter: page, labelSelector: options?.LabelSelector, limit: options?.Limit, cancellationToken: ct), cancellationToken);
            foreach (var item in list["items"] as JsonArray ?? [])
            {
                if (item is not JsonObject obj) continue;
                obj["apiVersion"] ??= resource.ApiVersion; // list items of built-in types come without apiVersion/kind
                obj["kind"] ??= resource.Kind;
                items.Add(select is null ? obj : select(obj));
            }
            resourceVersion = (string?)list["metadata"]?["resourceVersion"] ?? "";
            next = (string?)list["metadata"]?["continue"];
        }
        while (!string.IsNullOrEmpty(next));
        return new KubeList(items, resourceVersion);
    }

    public Task<JsonObject> CreateAsync(KubeResource resource, JsonObject body, CancellationToken cancellationToken = default)
    {
        var ns = NamespaceOf(body);
        return SendAsync($"POST {resource.Plural}", ct => Scoped(resource, ns)
            ? Objects.CreateNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(body, resource.Group, resource.Version, ns, resource.Plural, cancellationToken: ct)
            : Objects.CreateClusterCustomObjectWithHttpMessagesAsync<JsonObject>(body, resource.Group, resource.Version, resource.Plural, cancellationToken: ct), cancellationToken);
    }

    public Task<JsonObject> ApplyAsync(KubeResource resource, JsonObject body, string fieldManager, bool force, CancellationToken cancellationToken = default) =>
        PatchAsync(resource, NamespaceOf(body), NameOf(body), new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), null, fieldManager, force ? true : null, cancellationToken);

    public Task<JsonObject> MergePatchAsync(KubeResource resource, string? @namespace, string name, JsonObject patch, string? subresource = null, CancellationToken cancellationToken = default) =>
        PatchAsync(resource, @namespace, name, new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), subresource, null, null, cancellationToken);

    public async Task<JsonObject?> DeleteAsync(KubeResource resource, string? @namespace, string name, string? propagationPolicy = null, CancellationToken cancellationToken = default)
    {
        var body = await SendAsync($"DELETE {resource.Plural}/{name}", ct => Scoped(resource, @namespace)
            ? Objects.DeleteNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, @namespace!, resource.Plural, name, propagationPolicy: propagationPolicy, cancellationToken: ct)
            : Objects.DeleteClusterCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, resource.Plural, name, propagationPolicy: propagationPolicy, cancellationToken: ct), cancellationToken);
        // Gone at once: a Status {status: Success}. Kept by finalizers: the object, with its deletionTimestamp.
        return (string?)body["kind"] == "Status" ? null : body;
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(KubeResource resource, string? @namespace, WatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Scoped(resource, @namespace)
            ? Objects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, @namespace!, resource.Plural,
                allowWatchBookmarks: options.AllowBookmarks ? true : null, labelSelector: options.LabelSelector, resourceVersion: options.ResourceVersion,
                timeoutSeconds: options.TimeoutSeconds, watch: true, cancellationToken: cancellationToken)
            : Objects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, resource.Plural,
                allowWatchBookmarks: options.AllowBookmarks ? true : null, labelSelector: options.LabelSelector, resourceVersion: options.ResourceVersion,
                timeoutSeconds: options.TimeoutSeconds, watch: true, cancellationToken: cancellationToken);
        // The package reports an ERROR event (a Status, e.g. 410 Expired) and an unreadable line through onError and reads on.
        Exception? failure = null;
        // Obsolete in favour of WatchList*CustomObjectAsync, which yields untyped objects (JsonElement) for custom objects: a copy more per event.
#pragma warning disable CS0618
        var events = request.WatchAsync<JsonObject, JsonObject>(e => failure ??= e, cancellationToken).GetAsyncEnumerator(cancellationToken);
#pragma warning restore CS0618
        await using (events)
        {
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync()) break;
                }
                catch (Exception e) when (Translate(e, $"watch of {resource.Plural}", cancellationToken) is { } translated)
                {
                    throw translated;
                }
                if (failure is not null) break;
                var (type, obj) = events.Current;
                yield return type switch
                {
                    k8s.WatchEventType.Added => new WatchEvent(WatchEventType.Added, obj),
                    k8s.WatchEventType.Modified => new WatchEvent(WatchEventType.Modified, obj),
                    k8s.WatchEventType.Deleted => new WatchEvent(WatchEventType.Deleted, obj),
                    k8s.WatchEventType.Bookmark => new WatchEvent(WatchEventType.Bookmark, obj),
                    _ => throw new KubeUnavailableException($"watch of {resource.Plural}: unexpected event type {type}"),
                };
            }
        }
        if (failure is not null)
            throw Translate(failure, $"watch of {resource.Plural}", cancellationToken) ?? new KubeUnavailableException($"watch of {resource.Plural} broke: {failure.Message}", failure);
    }

    public async Task<Stream?> GetLogsAsync(string @namespace, string pod, string? container, bool follow, int? tailLines = null,
        int? sinceSeconds = null, bool timestamps = false, CancellationToken cancellationToken = default)
    {
        HttpOperationResponse<Stream> response;
        try
        {
            response = await _api.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(pod, @namespace, container, follow ? true : null,
                sinceSeconds: sinceSeconds, tailLines: tailLines, timestamps: timestamps ? true : null, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (Translate(e, $"log of pod {@namespace}/{pod}", cancellationToken) is { } translated)
        {
            throw translated;
        }
        if (response.Response.StatusCode != HttpStatusCode.NoContent) return response.Body;   // disposing the stream ends the response
        response.Dispose();
        return null;   // 204: the pod has no log yet
    }

    public void Dispose() => _api.Dispose();

    // --- plumbing ----------------------------------------------------------------------------------------------

    private static bool Scoped(KubeResource resource, string? @namespace) => resource.Namespaced && !string.IsNullOrEmpty(@namespace);

    private Task<JsonObject> PatchAsync(KubeResource resource, string? @namespace, string name, V1Patch patch, string? subresource, string? fieldManager, bool? force, CancellationToken cancellationToken)
    {
        var status = subresource switch
        {
            null => false,
            "status" => true,
            _ => throw new ArgumentException($"subresource '{subresource}' is not supported", nameof(subresource)),
        };
        var (group, version, plural) = (resource.Group, resource.Version, resource.Plural);
        return SendAsync($"PATCH {plural}/{name}", ct => (Scoped(resource, @namespace), status) switch
        {
            (true, false) => Objects.PatchNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(patch, group, version, @namespace!, plural, name, fieldManager: fieldManager, force: force, cancellationToken: ct),
            (true, true) => Objects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync<JsonObject>(patch, group, version, @namespace!, plural, name, fieldManager: fieldManager, force: force, cancellationToken: ct),
            (false, false) => Objects.PatchClusterCustomObjectWithHttpMessagesAsync<JsonObject>(patch, group, version, plural, name, fieldManager: fieldManager, force: force, cancellationToken: ct),
            (false, true) => Objects.PatchClusterCustomObjectStatusWithHttpMessagesAsync<JsonObject>(patch, group, version, plural, name, fieldManager: fieldManager, force: force, cancellationToken: ct),
        }, cancellationToken);
    }

    private async Task<JsonObject> SendAsync(string what, Func<CancellationToken, Task<HttpOperationResponse<JsonObject>>> call, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await call(cancellationToken);
            return response.Body ?? throw new KubeUnavailableException($"{what}: empty answer");
        }
        catch (Exception e) when (Translate(e, what, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>What a failure of the package means to our callers; null for what is not ours to translate (our own cancellation).</summary>
    private Exception? Translate(Exception e, string what, CancellationToken cancellationToken) => e switch
    {
        HttpOperationException http => FromResponse((int)http.Response.StatusCode, http.Response.Content ?? "", what),
        KubernetesException { Status: { } status } => FromStatus(status.Code ?? 500, StatusObject(status)),
        JsonException => new KubeUnavailableException($"{what}: the answer is not a JSON object: {e.Message}", e),
        _ when IsUnavailable(e, cancellationToken) => new KubeUnavailableException(e switch
        {
            OperationCanceledException => $"{what}: no answer within {RequestTimeout.TotalSeconds:0} s",
            k8s.Exceptions.KubeConfigException or k8s.Exceptions.KubernetesClientException => $"{what}: no credentials for the Kubernetes API server: {e.Message}",
            _ => $"{what}: Kubernetes API server {Server} unreachable: {e.Message}",
        }, e),
        _ => null,
    };

    /// <summary>
    /// Whether a failure of a call through the package means "try again later" rather than an answer: the server cannot be
    /// reached, gave no answer in time (not our own cancellation), or the credentials could not be had right now (an exec
    /// plugin that failed, timed out or printed nothing: the next attempt runs it again). For callers of the package's own
    /// helpers too (the leader election's Lease lock).
    /// </summary>
    public static bool IsUnavailable(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or k8s.Exceptions.KubeConfigException or k8s.Exceptions.KubernetesClientException
        || e is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    private static Exception FromResponse(int code, string text, string what)
    {
        JsonObject? status = null;
        if (text.TrimStart().StartsWith('{'))
        {
            try { status = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException) { status = null; }
        }
        // Not a Status: "404 page not found" for a resource the server does not serve, or a protobuf 406.
        var error = status is not null && (string?)status["kind"] == "Status"
            ? FromStatus(code, status)
            : KubeApiException.From(code, "", text.Trim().Length > 200 ? text.Trim()[..200] : text.Trim(), null);
        // An apply body that does not fit the schema is answered 500 too, but retrying it can never succeed.
        if (code is >= 500 or 429 && !KubeApiException.IsUntypable(code, error.ApiMessage))
            return new KubeUnavailableException($"{what}: {error.Message}", error);
        return error;
    }

    /// <summary>The Status of a watch's ERROR event, back as the JSON the server sent (the package's model does not serialize).</summary>
    private static JsonObject StatusObject(V1Status status) => new()
    {
        ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = status.Status, ["reason"] = status.Reason, ["message"] = status.Message, ["code"] = status.Code,
        ["details"] = status.Details is not { } details ? null : new JsonObject
        {
            ["name"] = details.Name, ["group"] = details.Group, ["kind"] = details.Kind,
            ["causes"] = new JsonArray((details.Causes ?? []).Select(c => (JsonNode)new JsonObject { ["reason"] = c.Reason, ["field"] = c.Field, ["message"] = c.Message }).ToArray()),
        },
    };

    private static KubeApiException FromStatus(int code, JsonObject status) =>
        KubeApiException.From(code, (string?)status["reason"] ?? "", (string?)status["message"] ?? "", status);

    private static string NamespaceOf(JsonObject body) => (string?)body["metadata"]?["namespace"] ?? "";

    private static string NameOf(JsonObject body) =>
        (string?)body["metadata"]?["name"] ?? throw new ArgumentException("the object has no metadata.name", nameof(body));
}

/// <summary>
/// What the package serializes for us. With its own JSON options: watch events (it reads each line as a
/// KubernetesObject event first, to find ERROR) and custom objects as JSON objects; <see cref="Register"/> puts this
/// generated metadata first in those options when this assembly loads — before anything can use them, since only this
/// project uses the package's serializer — so the operator's Native AOT binary needs no reflection there. With
/// JsonSerializer's default options (reflection, on in the operator for this alone): its exec credential plugin support
/// writes KUBERNETES_EXEC_INFO and reads the plugin's ExecCredential; the metadata below makes sure the native code of
/// those types' converters exists (a value-type instantiation cannot be made at run time).
/// </summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Watcher<KubernetesObject>.WatchEvent))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Watcher<JsonObject>.WatchEvent))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, bool>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(k8s.KubeConfigModels.ExecCredentialResponse))]
internal sealed partial class PackageJson : System.Text.Json.Serialization.JsonSerializerContext
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The package's options must be set before their first use, which can be anywhere in this assembly.")]
    internal static void Register() => KubernetesJson.AddJsonOptions(options => options.TypeInfoResolverChain.Insert(0, Default));
}
