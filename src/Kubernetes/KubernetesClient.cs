using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// Our Kubernetes REST client (the official package does not restore here): JSON over HTTP/1.1 or 2, bearer
/// token or client certificate, the API's error <c>Status</c> bodies turned into typed exceptions, newline-
/// delimited watch streams.
/// </summary>
public sealed class KubernetesClient : IKubernetesClient, IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly KubernetesConnection _connection;

    public KubernetesClient(KubernetesConnection connection, string userAgent = "cleanscheduler")
    {
        _connection = connection;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = 64,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            connection.ValidateServerCertificate(certificate as System.Security.Cryptography.X509Certificates.X509Certificate2, chain, errors);
        if (connection.ClientCertificate is { } certificate) handler.SslOptions.ClientCertificates = [certificate];
        _http = new HttpClient(handler) { BaseAddress = connection.Server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>Time limit of one non-watch request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<JsonObject?> GetAsync(KubeResource resource, string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        try { return await SendAsync(HttpMethod.Get, resource.ObjectPath(@namespace, name), null, null, cancellationToken); }
        catch (KubeNotFoundException) { return null; }
    }

    public async Task<KubeList> ListAsync(KubeResource resource, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        var items = new List<JsonObject>();
        string? next = null;
        string resourceVersion;
        do
        {
            var query = Query(("labelSelector", options?.LabelSelector), ("limit", options?.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continue", next));
            var list = await SendAsync(HttpMethod.Get, resource.CollectionPath(@namespace) + query, null, null, cancellationToken)
                ?? throw new KubeUnavailableException($"LIST {resource.Plural}: empty answer");
            foreach (var item in list["items"] as JsonArray ?? [])
            {
                if (item is not JsonObject obj) continue;
                obj["apiVersion"] ??= resource.ApiVersion; // list items of built-in types come without apiVersion/kind
                obj["kind"] ??= resource.Kind;
                items.Add(obj);
            }
            resourceVersion = (string?)list["metadata"]?["resourceVersion"] ?? "";
            next = (string?)list["metadata"]?["continue"];
        }
        while (!string.IsNullOrEmpty(next));
        return new KubeList(items, resourceVersion);
    }

    public Task<JsonObject> CreateAsync(KubeResource resource, JsonObject body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, resource.CollectionPath(NamespaceOf(body)), body, Json, cancellationToken)!;

    public Task<JsonObject> ReplaceAsync(KubeResource resource, JsonObject body, string? subresource = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, resource.ObjectPath(NamespaceOf(body), NameOf(body), subresource), body, Json, cancellationToken)!;

    public Task<JsonObject> ApplyAsync(KubeResource resource, JsonObject body, string fieldManager, bool force, string? subresource = null, CancellationToken cancellationToken = default)
    {
        var query = Query(("fieldManager", fieldManager), ("force", force ? "true" : null));
        return SendAsync(HttpMethod.Patch, resource.ObjectPath(NamespaceOf(body), NameOf(body), subresource) + query, body,
            new MediaTypeHeaderValue("application/apply-patch+yaml"), cancellationToken)!;
    }

    public Task<JsonObject> MergePatchAsync(KubeResource resource, string? @namespace, string name, JsonObject patch, string? subresource = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, resource.ObjectPath(@namespace, name, subresource), patch, new MediaTypeHeaderValue("application/merge-patch+json"), cancellationToken)!;

    public async Task<JsonObject?> DeleteAsync(KubeResource resource, string? @namespace, string name, string? propagationPolicy = null, CancellationToken cancellationToken = default)
    {
        var body = await SendAsync(HttpMethod.Delete, resource.ObjectPath(@namespace, name) + Query(("propagationPolicy", propagationPolicy)), null, null, cancellationToken);
        // Gone at once: a Status {status: Success}. Kept by finalizers: the object, with its deletionTimestamp.
        return body is null || (string?)body["kind"] == "Status" ? null : body;
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(KubeResource resource, string? @namespace, WatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = Query(
            ("watch", "1"),
            ("resourceVersion", options.ResourceVersion),
            ("labelSelector", options.LabelSelector),
            ("allowWatchBookmarks", options.AllowBookmarks ? "true" : null),
            ("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var request = Request(HttpMethod.Get, resource.CollectionPath(@namespace) + query, null, null);
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try { line = await reader.ReadLineAsync(cancellationToken); }
            catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw new KubeUnavailableException($"watch of {resource.Plural} broke: {e.Message}", e);
            }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            var node = JsonNode.Parse(line) as JsonObject ?? throw new KubeUnavailableException("watch event is not a JSON object");
            var type = (string?)node["type"];
            var obj = node["object"] as JsonObject ?? [];
            node.Remove("object");
            switch (type)
            {
                case "ADDED": yield return new WatchEvent(WatchEventType.Added, obj); break;
                case "MODIFIED": yield return new WatchEvent(WatchEventType.Modified, obj); break;
                case "DELETED": yield return new WatchEvent(WatchEventType.Deleted, obj); break;
                case "BOOKMARK": yield return new WatchEvent(WatchEventType.Bookmark, obj); break;
                case "ERROR": throw FromStatus((int?)obj["code"] ?? 500, obj);
                default: throw new KubeUnavailableException($"unknown watch event type '{type}'");
            }
        }
    }

    public async Task<Stream?> GetLogsAsync(string @namespace, string pod, string? container, bool follow, int? tailLines = null, CancellationToken cancellationToken = default)
    {
        var query = Query(("container", container), ("follow", follow ? "true" : null), ("tailLines", tailLines?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var request = Request(HttpMethod.Get, KubeResource.Pods.ObjectPath(@namespace, pod, "log") + query, null, null);
        var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent) { response.Dispose(); request.Dispose(); return null; }
        if (!response.IsSuccessStatusCode)
        {
            using (response) using (request) throw await ErrorAsync(response, cancellationToken);
        }
        return new OwnedStream(await response.Content.ReadAsStreamAsync(cancellationToken), response, request);
    }

    public void Dispose() => _http.Dispose();

    // --- plumbing ----------------------------------------------------------------------------------------------

    private async Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonObject? body, MediaTypeHeaderValue? contentType, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = Request(method, path, body, contentType);
        HttpResponseMessage response;
        try { response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubeUnavailableException($"{method} {path}: no answer within {RequestTimeout.TotalSeconds:0} s");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, cancellationToken);
            var utf8 = await response.Content.ReadAsByteArrayAsync(cancellationToken);   // as sent: half the size of a string
            return utf8.Length == 0 ? null : JsonNode.Parse(utf8) as JsonObject;
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, JsonObject? body, MediaTypeHeaderValue? contentType)
    {
        var request = new HttpRequestMessage(method, path);
        if (_connection.Token is { Length: > 0 } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = contentType;
        }
        return request;
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try { response = await _http.SendAsync(request, completion, cancellationToken); }
        catch (HttpRequestException e)
        {
            throw new KubeUnavailableException($"Kubernetes API server {_connection.Server} unreachable: {e.Message}", e);
        }
        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            using (response)
            {
                var error = await ErrorAsync(response, cancellationToken);
                // An apply body that does not fit the schema is answered 500 too, but retrying it can never succeed.
                if (KubeApiException.IsUntypable(error.StatusCode, error.ApiMessage)) throw error;
                throw new KubeUnavailableException($"{request.Method} {request.RequestUri}: {error.Message}", error);
            }
        }
        return response;
    }

    private static async Task<KubeApiException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonObject? status = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            try { status = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException) { status = null; }
        }
        if (status is not null && (string?)status["kind"] == "Status") return FromStatus((int)response.StatusCode, status);
        // Not a Status: "404 page not found" for a resource the server does not serve, or a protobuf 406.
        return KubeApiException.From((int)response.StatusCode, "", text.Trim().Length > 200 ? text.Trim()[..200] : text.Trim(), null);
    }

    private static KubeApiException FromStatus(int code, JsonObject status) =>
        KubeApiException.From(code, (string?)status["reason"] ?? "", (string?)status["message"] ?? "", status);

    private static string NamespaceOf(JsonObject body) => (string?)body["metadata"]?["namespace"] ?? "";

    private static string NameOf(JsonObject body) =>
        (string?)body["metadata"]?["name"] ?? throw new ArgumentException("the object has no metadata.name", nameof(body));

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var parts = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    /// <summary>A response body stream that disposes its response when it is disposed.</summary>
    private sealed class OwnedStream(Stream inner, HttpResponseMessage response, HttpRequestMessage request) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); response.Dispose(); request.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
