using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>
/// TEST DOUBLE of a Kubernetes API server: an in-process HTTP server on a loopback port that serves the subset of the
/// API our client, operator and server use, with the real server's semantics as recorded in
/// <c>shared/kube-api-transcripts</c> — one resourceVersion counter for everything, 201/200/404/409/410/422 and their
/// <c>Status</c> bodies, optimistic concurrency on PUT and pinned merge patches, status subresources that ignore spec
/// (and vice versa), generation bumped by spec changes only, finalizers and deletionTimestamp, server-side apply
/// merged by field manager (no-op applies write nothing), watches (ADDED/MODIFIED/DELETED, bookmarks, the 410 ERROR
/// event for an expired resourceVersion), CRD schemas (every write checked: a server-side apply of a field the schema
/// does not declare is the 500 "failed to create typed patch object" and stores nothing; other writes prune it with a
/// Warning header, or answer 400 with fieldValidation=Strict; violations are 422 with causes), garbage collection by ownerReferences,
/// Lease MicroTime, pod logs (204 while a pod has none), and a metrics server's PodMetrics when asked for (<see cref="MetricsServer"/>).
/// Not modelled: keyed lists of built-in types in apply (lists are atomic), defaulting of built-in types,
/// field selectors, protobuf, and the Deployment controller (see <see cref="AutoReadyDeployments"/>).
/// </summary>
public sealed partial class KubeApiServerTestDouble : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Stored> _objects = new(StringComparer.Ordinal);
    private readonly HashSet<string> _uids = new(StringComparer.Ordinal);   // of the stored objects, for the garbage collector
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceInfo> _resources = [];
    private readonly List<StoredEvent> _events = [];
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly ConcurrentDictionary<(string Namespace, string Pod), PodLog> _logs = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _breakWatches = new();
    private long _resourceVersion = 100;
    private long _compactedBefore;
    private WebApplication? _app;

    /// <summary>Older events are forgotten: a watch from before them gets the 410 ERROR event.</summary>
    public int MaxEventHistory { get; set; } = 50_000;

    /// <summary>When set, requests must carry this bearer token (none: 403 as system:anonymous; another: 401).</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Stands in for the Deployment controller: every Deployment written reports all its replicas ready.</summary>
    public bool AutoReadyDeployments { get; set; }

    /// <summary>How often open watches with allowWatchBookmarks get a BOOKMARK (the real server: about 60 s).</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>False: every connection is dropped at once, as if the API server were down.</summary>
    public bool Available { get; set; } = true;

    /// <summary>
    /// Added to every request but watches before it is served, uniform in [min, max] (none by default): a real API server
    /// under load answers in milliseconds, so time on the double means something (the operator benchmark).
    /// </summary>
    public (TimeSpan Min, TimeSpan Max)? RequestLatency { get; set; }

    public Uri Address { get; private set; } = null!;

    public static async Task<KubeApiServerTestDouble> StartAsync(string? crdDirectory = null)
    {
        var server = new KubeApiServerTestDouble();
        foreach (var r in new (string G, string V, string P, string K, bool Ns, bool Status, bool Generation)[]
                 {
                     ("", "v1", "namespaces", "Namespace", false, true, false),
                     ("", "v1", "configmaps", "ConfigMap", true, false, false),
                     ("", "v1", "secrets", "Secret", true, false, false),
                     ("", "v1", "services", "Service", true, true, false),
                     ("", "v1", "pods", "Pod", true, true, false),
                     ("", "v1", "resourcequotas", "ResourceQuota", true, true, false),
                     ("", "v1", "limitranges", "LimitRange", true, false, false),
                     ("", "v1", "serviceaccounts", "ServiceAccount", true, false, false),
                     ("apps", "v1", "deployments", "Deployment", true, true, true),
                     ("batch", "v1", "jobs", "Job", true, true, true),
                     ("networking.k8s.io", "v1", "ingresses", "Ingress", true, true, true),
                     ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false, true),
                     ("coordination.k8s.io", "v1", "leases", "Lease", true, false, false),
                     ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true, true),
                 })
            server._resources[(r.G, r.V, r.P)] = new ResourceInfo(r.G, r.V, r.P, r.K, r.Ns, r.Status, r.Generation, Custom: false, null);

        (server._app, server.Address) = await Loopback.ServeAsync(server.CountedAsync);
        if (crdDirectory is not null) server.InstallCrds(crdDirectory);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _breakWatches.CancelAsync();
        if (_app is not null) { await _app.StopAsync(); await _app.DisposeAsync(); }
    }

    // --- test controls -------------------------------------------------------------------------------------------

    /// <summary>
    /// Installs a CustomResourceDefinition (as established at once). Installing one that is served already replaces its
    /// schema and keeps the stored objects, as a CRD update does: a cluster whose CRD is older or newer than ours.
    /// </summary>
    public void InstallCrd(JsonObject crd) => Install(crd);

    /// <summary>Installs every CustomResourceDefinition in the YAML files of a directory (as established at once).</summary>
    public void InstallCrds(string directory)
    {
        foreach (var file in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
            foreach (var document in YamlJson.Documents(File.ReadAllText(file)))
                if ((string?)document["kind"] == "CustomResourceDefinition") Install(document);
    }

    /// <summary>"METHOD path?query" of every request served, oldest first.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    public void ClearRequests() => _requests.Clear();

    /// <summary>"METHOD path: text" of every Warning the double answered with (an unknown field pruned), oldest first.</summary>
    public IReadOnlyList<string> Warnings => _warnings.ToArray();

    /// <summary>Ends every open watch abruptly (the connection drops), as a restarting API server or load balancer would.</summary>
    public void BreakWatches()
    {
        var old = Interlocked.Exchange(ref _breakWatches, new CancellationTokenSource());
        old.Cancel();
    }

    /// <summary>Forgets all watch history, as etcd compaction does: a watch from any earlier resourceVersion gets 410.</summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _compactedBefore = _resourceVersion + 1;
            _events.Clear();
        }
    }

    public JsonObject? Get(string apiVersion, string plural, string? ns, string name)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        lock (_gate)
        {
            return _resources.TryGetValue((group, version, plural), out var r) && _objects.TryGetValue(Key(r, r.Namespaced ? ns : null, name), out var s)
                ? (JsonObject)s.Object.DeepClone() : null;
        }
    }

    public IReadOnlyList<JsonObject> List(string apiVersion, string plural, string? ns = null)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        lock (_gate)
        {
            return _objects.Values.Where(s => s.Resource.Group == group && s.Resource.Version == version && s.Resource.Plural == plural && (ns is null || s.Namespace == ns))
                .OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (JsonObject)s.Object.DeepClone()).ToList();
        }
    }

    /// <summary>Writes status as the named controller would (through the status subresource rules).</summary>
    public void SetStatus(string apiVersion, string plural, string ns, string name, JsonObject status, string manager = "k3s")
    {
        var (group, version) = SplitApiVersion(apiVersion);
        lock (_gate)
        {
            var stored = _objects[Key(_resources[(group, version, plural)], ns, name)];
            var before = (JsonObject)stored.Object.DeepClone();
            stored.Object["status"] = status.DeepClone();
            if (JsonNode.DeepEquals(before, stored.Object)) return;
            TakeOwnershipOfChanges(stored, before, stored.Object, manager, "status");
            Commit(stored, "MODIFIED");
        }
    }

    /// <summary>A pod with labels; <paramref name="lines"/> null means it has no log yet (204), as an unscheduled pod.</summary>
    public void AddPod(string ns, string name, JsonObject labels, IEnumerable<string>? lines, string container = "main")
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = "busybox" }) },
            ["status"] = new JsonObject { ["phase"] = lines is null ? "Pending" : "Running" },
        };
        lock (_gate) CreateLocked(_resources[("", "v1", "pods")], ns, pod, "kube-controller-manager");
        if (lines is not null) _logs[(ns, name)] = new PodLog(lines);
    }

    public void AppendLog(string ns, string pod, string line) => _logs.GetOrAdd((ns, pod), _ => new PodLog([])).Append(line);

    // --- request handling ------------------------------------------------------------------------------------------

    private int _inFlight;

    /// <summary>Requests being served now, watches not counted (the operator benchmark samples it: are its workers keeping the server busy?).</summary>
    public int RequestsInFlight => Volatile.Read(ref _inFlight);

    private async Task CountedAsync(HttpContext context)
    {
        if (context.Request.Query["watch"].ToString() is "1" or "true") { await HandleAsync(context); return; }
        Interlocked.Increment(ref _inFlight);
        try { await HandleAsync(context); }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!Available) { context.Abort(); return; }
        var request = context.Request;
        _requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
        if (RequestLatency is var (min, max) && request.Query["watch"].ToString() is not ("1" or "true"))
            await Task.Delay(min + (max - min) * Random.Shared.NextDouble(), context.RequestAborted);
        if (RequiredToken is not null)
        {
            var header = request.Headers.Authorization.ToString();
            if (header.Length == 0)
            {
                await WriteAsync(context, Failure(403, "Forbidden", $"{Describe(request.Path)} is forbidden: User \"system:anonymous\" cannot {request.Method.ToLowerInvariant()} resource", null));
                return;
            }
            if (header != "Bearer " + RequiredToken)
            {
                await WriteAsync(context, new Response(401, new JsonObject
                {
                    ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure",
                    ["message"] = "Unauthorized", ["reason"] = "Unauthorized", ["code"] = 401,
                }));
                return;
            }
        }
        var path = request.Path.Value ?? "/";
        if (path is "/readyz" or "/healthz" or "/livez") { context.Response.ContentType = "text/plain; charset=utf-8"; await context.Response.WriteAsync("ok"); return; }
        if (path == "/version")
        {
            await WriteAsync(context, new Response(200, new JsonObject { ["major"] = "1", ["minor"] = "25", ["gitVersion"] = "v1.25.0-cleanscheduler-test-double" }));
            return;
        }
        if (await MetricsApiAsync(context, path)) return;
        var route = Route.Parse(path);
        ResourceInfo? resource = null;
        lock (_gate)
        {
            if (route is not null) _resources.TryGetValue((route.Group, route.Version, route.Plural), out resource);
        }
        if (route is null || resource is null)
        {
            if (route is null && DiscoveryPath().Match(path) is { Success: true } discovery && await DiscoveryAsync(context, discovery.Groups[1].Value, discovery.Groups[2].Value)) return;
            context.Response.StatusCode = 404;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("404 page not found\n");
            return;
        }
        var ns = resource.Namespaced ? route.Namespace : null;
        var acceptHeader = request.Headers.Accept.ToString();
        if (acceptHeader.Length > 0 && !acceptHeader.Split(',').Select(a => a.Split(';')[0].Trim())
                .Any(a => a is "application/json" or "application/yaml" or "*/*" or "application/*" or "application/vnd.kubernetes.protobuf"))
        {
            await WriteAsync(context, Failure(406, "NotAcceptable", "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf", null));
            return;
        }
        if (request.Method is "POST" or "PUT" && request.ContentType?.Split(';')[0].Trim() is { } bodyType && bodyType is not ("application/json" or "application/yaml"))
        {
            await WriteAsync(context, Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf", null));
            return;
        }
        try
        {
            if (request.Method == "GET" && route.Name is null && request.Query["watch"] is var watch && (watch == "1" || watch == "true"))
            {
                await WatchAsync(context, resource, ns);
                return;
            }
            if (request.Method == "GET" && route.Subresource == "log" && resource.Plural == "pods")
            {
                await LogAsync(context, ns!, route.Name!);
                return;
            }
            var body = request.Method is "POST" or "PUT" or "PATCH" ? await ReadBodyAsync(request) : null;
            var manager = request.Query["fieldManager"].ToString() is { Length: > 0 } fm ? fm
                : request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent.Split('/')[0] : "unknown";
            Response response;
            lock (_gate)
            {
                response = (request.Method, route.Name) switch
                {
                    ("GET", null) => ListLocked(resource, ns, request.Query),
                    ("GET", _) => GetLocked(resource, ns, route.Name!),
                    ("POST", null) => CreateFromRequestLocked(resource, ns, body, manager, request.Query, IsYaml(request.ContentType)),
                    ("PUT", not null) => ReplaceLocked(resource, ns, route.Name!, route.Subresource, body, manager, IsYaml(request.ContentType), Strict(request.Query)),
                    ("PATCH", not null) => PatchLocked(resource, ns, route.Name!, route.Subresource, request.ContentType, body, manager, request.Query),
                    ("DELETE", not null) => DeleteLocked(resource, ns, route.Name!),
                    _ => Failure(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource", null),
                };
            }
            foreach (var warning in response.Warnings ?? []) _warnings.Enqueue($"{request.Method} {path}: {warning}");
            await WriteAsync(context, response);
        }
        catch (BadRequest e)
        {
            await WriteAsync(context, Failure(400, "BadRequest", e.Message, null));
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A bug of the double itself: make it visible in the failing test rather than a bare 500.
            await WriteAsync(context, Failure(500, "InternalError", "test double failure: " + e, null));
        }
    }

    private static bool Strict(IQueryCollection query) => query["fieldValidation"] == "Strict";

    private static bool IsYaml(string? contentType) => contentType?.Split(';')[0].Trim() == "application/yaml";

    private static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private sealed class BadRequest(string message) : Exception(message);

    internal sealed record Response(int Status, JsonObject? Body, IReadOnlyList<string>? Warnings = null);

    private static async Task WriteAsync(HttpContext context, Response response)
    {
        context.Response.StatusCode = response.Status;
        foreach (var warning in response.Warnings ?? []) context.Response.Headers.Append("Warning", WarningHeader(warning));
        if (response.Body is null) return;
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(response.Body.ToJsonString() + "\n");
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes);
    }

    /// <summary>As the API server writes it: <c>299 - "text"</c>, with <c>\</c> and <c>"</c> escaped by a backslash (transcript 16).</summary>
    internal static string WarningHeader(string text) => $"299 - \"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    private static Response Failure(int code, string reason, string message, JsonObject? details) => new(code, Status("Failure", code, reason, message, details));

    private static JsonObject Status(string status, int code, string? reason, string? message, JsonObject? details)
    {
        var body = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = status };
        if (message is not null) body["message"] = message;
        if (reason is not null) body["reason"] = reason;
        if (details is not null) body["details"] = details;
        if (status == "Failure") body["code"] = code;
        return body;
    }

    private static JsonObject Details(ResourceInfo resource, string name, bool plural = true)
    {
        var details = new JsonObject { ["name"] = name };
        if (resource.Group.Length > 0) details["group"] = resource.Group;
        details["kind"] = plural ? resource.Plural : resource.Kind;
        return details;
    }

    private static Response NotFound(ResourceInfo resource, string name) =>
        Failure(404, "NotFound", $"{resource.GroupResource} \"{name}\" not found", Details(resource, name));

    private Response? NamespaceMissing(ResourceInfo resource, string? ns, bool creating)
    {
        if (!resource.Namespaced) return null;
        var namespaces = _resources[("", "v1", "namespaces")];
        if (!_objects.TryGetValue(Key(namespaces, null, ns!), out var stored)) return NotFound(namespaces, ns!);
        if (creating && stored.Object["metadata"]?["deletionTimestamp"] is not null)
            return Failure(403, "Forbidden", $"{resource.GroupResource} is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                new JsonObject { ["group"] = resource.Group, ["kind"] = resource.Plural });
        return null;
    }

    private static string Describe(PathString path) => path.Value ?? "";

    [GeneratedRegex("^/apis/([^/]+)/([^/]+)/?$")]
    private static partial Regex DiscoveryPath();

    private async Task<bool> DiscoveryAsync(HttpContext context, string group, string version)
    {
        List<ResourceInfo> served;
        lock (_gate) served = _resources.Values.Where(r => r.Group == group && r.Version == version).ToList();
        if (served.Count == 0) return false;
        var list = new JsonArray();
        foreach (var r in served)
        {
            list.Add(new JsonObject { ["name"] = r.Plural, ["singularName"] = r.Kind.ToLowerInvariant(), ["namespaced"] = r.Namespaced, ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch") });
            if (r.HasStatus) list.Add(new JsonObject { ["name"] = r.Plural + "/status", ["singularName"] = "", ["namespaced"] = r.Namespaced, ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("get", "patch", "update") });
        }
        await WriteAsync(context, new Response(200, new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = $"{group}/{version}", ["resources"] = list }));
        return true;
    }

    private static (string Group, string Version) SplitApiVersion(string apiVersion) =>
        apiVersion.Contains('/') ? (apiVersion[..apiVersion.IndexOf('/')], apiVersion[(apiVersion.IndexOf('/') + 1)..]) : ("", apiVersion);

    /// <summary>A parsed request path: /api/v1/..., /apis/GROUP/VERSION/..., [namespaces/NS/]PLURAL[/NAME[/SUBRESOURCE]].</summary>
    private sealed record Route(string Group, string Version, string Plural, string? Namespace, string? Name, string? Subresource)
    {
        public static Route? Parse(string path)
        {
            var parts = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
            string group, version;
            int i;
            if (parts.Length >= 3 && parts[0] == "api") { group = ""; version = parts[1]; i = 2; }
            else if (parts.Length >= 4 && parts[0] == "apis") { group = parts[1]; version = parts[2]; i = 3; }
            else return null;
            var rest = parts[i..];
            if (rest.Length >= 3 && rest[0] == "namespaces" && rest[2] is not ("status" or "finalize"))
                return rest.Length switch
                {
                    3 => new Route(group, version, rest[2], rest[1], null, null),
                    4 => new Route(group, version, rest[2], rest[1], rest[3], null),
                    5 => new Route(group, version, rest[2], rest[1], rest[3], rest[4]),
                    _ => null,
                };
            return rest.Length switch
            {
                1 => new Route(group, version, rest[0], null, null, null),
                2 => new Route(group, version, rest[0], null, rest[1], null),
                3 => new Route(group, version, rest[0], null, rest[1], rest[2]),
                _ => null,
            };
        }
    }

    /// <summary>A pod's log: each line with the time it was written (strictly rising, as the kubelet's nanosecond times are in practice).</summary>
    private sealed class PodLog
    {
        private readonly List<(DateTimeOffset Time, string Line)> _lines = [];
        private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PodLog(IEnumerable<string> lines)
        {
            foreach (var line in lines) Add(line);
        }

        public (IReadOnlyList<(DateTimeOffset Time, string Line)> Lines, Task Appended) Snapshot(int from)
        {
            lock (_lines) return (_lines.Skip(from).ToList(), _appended.Task);
        }

        public void Append(string line)
        {
            TaskCompletionSource old;
            lock (_lines) { Add(line); old = _appended; _appended = new(TaskCreationOptions.RunContinuationsAsynchronously); }
            old.TrySetResult();
        }

        private void Add(string line)
        {
            var now = DateTimeOffset.UtcNow;
            _lines.Add((_lines.Count > 0 && _lines[^1].Time >= now ? _lines[^1].Time.AddTicks(1) : now, line));
        }
    }

    /// <summary>
    /// GET pods/NAME/log as the kubelet answers it: ?tailLines= (the last N of the lines within ?sinceSeconds= or
    /// ?sinceTime=), ?timestamps=true (each line prefixed by its RFC 3339 time and a space), ?follow=true.
    /// </summary>
    private async Task LogAsync(HttpContext context, string ns, string pod)
    {
        if (Get("v1", "pods", ns, pod) is not { } stored) { await WriteAsync(context, NotFound(_resources[("", "v1", "pods")], pod)); return; }
        var containers = (stored["spec"]?["containers"] as JsonArray ?? []).Select(c => (string?)c?["name"]).ToList();
        var query = context.Request.Query;
        if (query["container"].ToString() is { Length: > 0 } container && !containers.Contains(container))
        {
            await WriteAsync(context, Failure(400, "BadRequest", $"container {container} is not valid for pod {pod}", null));
            return;
        }
        if (query["sinceSeconds"].Count > 0 && query["sinceTime"].Count > 0)
        {
            await WriteAsync(context, Failure(422, "Invalid", "PodLogOptions.meta.k8s.io \"\" is invalid: sinceSeconds: Forbidden: at most one of sinceTime or sinceSeconds may be specified", null));
            return;
        }
        if (!_logs.TryGetValue((ns, pod), out var log)) { context.Response.StatusCode = 204; return; }
        var follow = query["follow"] == "true";
        var timestamps = query["timestamps"] == "true";
        DateTimeOffset? since = int.TryParse(query["sinceSeconds"], CultureInfo.InvariantCulture, out var seconds) ? DateTimeOffset.UtcNow.AddSeconds(-seconds)
            : DateTimeOffset.TryParse(query["sinceTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
        context.Response.ContentType = "text/plain";
        var all = log.Snapshot(0).Lines;
        var sent = since is { } from ? all.Count(l => l.Time < from) : 0;
        if (int.TryParse(query["tailLines"], out var tail)) sent = Math.Max(sent, all.Count - tail);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _breakWatches.Token);
        while (true)
        {
            var (lines, appended) = log.Snapshot(sent);
            foreach (var (at, line) in lines)
                await context.Response.WriteAsync(timestamps ? $"{at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)} {line}\n" : line + "\n");
            sent += lines.Count;
            await context.Response.Body.FlushAsync();
            if (!follow) return;
            try { await appended.WaitAsync(stop.Token); }
            catch (OperationCanceledException) { return; }
        }
    }

    private void Install(JsonObject crd)
    {
        lock (_gate) InstallLocked(crd);
    }

    private void UninstallLocked(JsonObject crd)
    {
        var group = (string?)crd["spec"]?["group"];
        var plural = (string?)crd["spec"]?["names"]?["plural"];
        foreach (var key in _resources.Keys.Where(k => k.Group == group && k.Plural == plural).ToList()) _resources.Remove(key);
        foreach (var key in _objects.Where(o => o.Value.Resource.Group == group && o.Value.Resource.Plural == plural).Select(o => o.Key).ToList()) _objects.Remove(key);
    }

    private void InstallLocked(JsonObject crd)
    {
        var spec = crd["spec"]!;
        var group = (string)spec["group"]!;
        var names = spec["names"]!;
        foreach (var version in spec["versions"] as JsonArray ?? [])
        {
            if (version?["served"]?.GetValue<bool>() != true) continue;
            var schema = version["schema"]?["openAPIV3Schema"] as JsonObject;
            var info = new ResourceInfo(group, (string)version["name"]!, (string)names["plural"]!, (string)names["kind"]!,
                (string?)spec["scope"] != "Cluster", version["subresources"]?["status"] is not null, HasGeneration: true, Custom: true,
                schema is null ? null : new CrdSchema(schema));
            if (_resources.TryGetValue((info.Group, info.Version, info.Plural), out var served) && served.Custom)
                served.Schema = info.Schema;   // the same resource (stored objects and open watches keep it), a new schema
            else _resources[(info.Group, info.Version, info.Plural)] = info;
        }
    }
}
