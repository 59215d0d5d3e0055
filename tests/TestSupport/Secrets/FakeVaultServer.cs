using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport.Secrets;

/// <summary>
/// An in-process Vault with one KV v2 mount, as Vault documents it: <c>/v1/&lt;mount&gt;/data/&lt;path&gt;</c> (GET the latest
/// version, POST/PUT a new one with optional <c>options.cas</c>, DELETE soft-deletes the latest),
/// <c>/v1/&lt;mount&gt;/metadata/&lt;path&gt;</c> (GET; POST/PUT sets <c>max_versions</c>, creating the metadata with version 0;
/// DELETE every version) and <c>/v1/auth/token/lookup-self</c>. A write past a path's <c>max_versions</c> (0: the
/// mount's, 10) removes the oldest versions, as Vault does. The token in
/// <c>X-Vault-Token</c>; errors as <c>{"errors":[...]}</c>: 403 "permission denied" for a missing or unknown token, 404
/// for nothing there, 400 for a cas mismatch, 503 when sealed.
/// </summary>
public sealed class FakeVaultServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Secret> _secrets = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    private FakeVaultServer(WebApplication app, Uri address, string mount) => (_app, Address, Mount) = (app, address, mount);

    public Uri Address { get; }
    public string Mount { get; }

    /// <summary>Tokens Vault accepts; change it to revoke or rotate.</summary>
    public ConcurrentDictionary<string, bool> Tokens { get; } = new(StringComparer.Ordinal);

    /// <summary>The mount's <c>cas_required</c>: writes without <c>options.cas</c> are refused.</summary>
    public bool CasRequired { get; set; } = true;

    public bool Sealed { get; set; }
    public TimeSpan Delay { get; set; }

    /// <summary>Runs once before the next write to a data path is applied (a concurrent writer, for cas tests).</summary>
    public Action<string>? BeforeNextWrite { get; set; }

    public int CasMismatches { get; private set; }

    private int _tokenLookups;

    /// <summary>Requests to <c>auth/token/lookup-self</c> that reached Vault, answered or refused.</summary>
    public int TokenLookups => Volatile.Read(ref _tokenLookups);

    public static async Task<FakeVaultServer> StartAsync(string mount = "secret", string token = "root-token")
    {
        FakeVaultServer? server = null;
        var (app, address) = await Loopback.ServeAsync(http => server!.HandleAsync(http));
        server = new FakeVaultServer(app, address, mount);
        server.Tokens[token] = true;
        return server;
    }

    /// <summary>The mount's <c>max_versions</c>, for paths whose metadata sets none (Vault's default).</summary>
    public const int MountMaxVersions = 10;

    /// <summary>What a data path holds now (latest, not deleted), as another Vault client would read it.</summary>
    public IReadOnlyDictionary<string, string>? Latest(string path)
    {
        lock (_gate)
            return _secrets.TryGetValue(path, out var s) && s.Latest is { DeletedAt: null, Data: var data }
                ? data.ToDictionary(kv => kv.Key, kv => kv.Value.GetString()!) : null;
    }

    public int VersionOf(string path)
    {
        lock (_gate) return _secrets.TryGetValue(path, out var s) ? (int)s.CurrentVersion : 0;
    }

    /// <summary>The data of every version Vault still holds for a path, soft-deleted ones too.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> HeldVersions(string path)
    {
        lock (_gate)
            return _secrets.TryGetValue(path, out var s)
                ? s.Versions.Values.Select(v => (IReadOnlyDictionary<string, string>)v.Data.ToDictionary(kv => kv.Key, kv => kv.Value.GetString()!)).ToList()
                : [];
    }

    public int MaxVersionsOf(string path)
    {
        lock (_gate) return _secrets.TryGetValue(path, out var s) ? s.MaxVersions : 0;
    }

    /// <summary>Writes a version directly, as another client would (bypassing cas).</summary>
    public void Put(string path, IReadOnlyDictionary<string, string> data)
    {
        lock (_gate)
            _secrets.GetOrAdd(path, _ => new Secret()).Add(new Version(
                data.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value)), DateTimeOffset.UtcNow));
    }

    private async Task HandleAsync(HttpContext http)
    {
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, http.RequestAborted);
        if (http.Request.Path == "/v1/auth/token/lookup-self") Interlocked.Increment(ref _tokenLookups);
        if (Sealed) { await ErrorAsync(http, 503, "Vault is sealed"); return; }
        var path = http.Request.Path.Value ?? "";
        if (!path.StartsWith("/v1/", StringComparison.Ordinal)) { await ErrorAsync(http, 404); return; }
        var token = http.Request.Headers["X-Vault-Token"].ToString();
        if (token.Length == 0 || !Tokens.ContainsKey(token)) { await ErrorAsync(http, 403, "permission denied"); return; }
        var route = path["/v1/".Length..];
        var method = http.Request.Method;

        if (route == "auth/token/lookup-self" && method == "GET")
        {
            await JsonAsync(http, 200, new JsonObject { ["data"] = new JsonObject { ["policies"] = new JsonArray("default"), ["ttl"] = 3600 } });
            return;
        }
        if (route.StartsWith(Mount + "/data/", StringComparison.Ordinal))
        {
            var secretPath = route[(Mount.Length + "/data/".Length)..];
            switch (method)
            {
                case "GET": await ReadAsync(http, secretPath); return;
                case "POST" or "PUT": await WriteAsync(http, secretPath); return;
                case "DELETE": SoftDelete(secretPath); http.Response.StatusCode = 204; return;
            }
        }
        if (route.StartsWith(Mount + "/metadata/", StringComparison.Ordinal))
        {
            var secretPath = route[(Mount.Length + "/metadata/".Length)..];
            switch (method)
            {
                case "GET": await MetadataAsync(http, secretPath); return;
                case "POST" or "PUT": await WriteMetadataAsync(http, secretPath); return;
                case "DELETE": _secrets.TryRemove(secretPath, out _); http.Response.StatusCode = 204; return;
            }
        }
        if (route.StartsWith(Mount + "/", StringComparison.Ordinal))
        {
            await ErrorAsync(http, 405, "unsupported operation");
            return;
        }
        await ErrorAsync(http, 404, $"no handler for route \"{route}\". route entry not found.");
    }

    private async Task ReadAsync(HttpContext http, string path)
    {
        JsonObject? body = null;
        var found = false;
        lock (_gate)
        {
            if (_secrets.TryGetValue(path, out var secret) && secret.Latest is { } latest)
            {
                found = latest.DeletedAt is null;
                body = new JsonObject
                {
                    ["data"] = found ? new JsonObject(latest.Data.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonNode.Parse(kv.Value.GetRawText())))) : null,
                    ["metadata"] = VersionMetadata(latest, secret.CurrentVersion),
                };
            }
        }
        if (body is null) { await ErrorAsync(http, 404); return; }
        await JsonAsync(http, found ? 200 : 404, Envelope(body));   // a deleted latest version: 404 with its metadata, as Vault answers
    }

    private async Task WriteAsync(HttpContext http, string path)
    {
        JsonNode? request;
        try { request = await JsonNode.ParseAsync(http.Request.Body); }
        catch (JsonException) { await ErrorAsync(http, 400, "failed to parse JSON input"); return; }
        if (request?["data"] is not JsonObject data) { await ErrorAsync(http, 400, "no data provided"); return; }
        long? cas = request["options"]?["cas"] is JsonValue casValue && casValue.TryGetValue<long>(out var c) ? c : null;
        if (BeforeNextWrite is { } concurrent)
        {
            BeforeNextWrite = null;
            concurrent(path);
        }
        JsonObject answer;
        lock (_gate)
        {
            var secret = _secrets.GetOrAdd(path, _ => new Secret());
            if (cas is null && CasRequired) { answer = null!; }
            else if (cas is { } expected && expected != secret.CurrentVersion)
            {
                CasMismatches++;
                answer = null!;
            }
            else
            {
                var version = new Version(data.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value)), DateTimeOffset.UtcNow);
                secret.Add(version);
                answer = VersionMetadata(version, secret.CurrentVersion);
            }
        }
        if (answer is null)
        {
            await ErrorAsync(http, 400, cas is null ? "check-and-set parameter required for this call" : "check-and-set parameter did not match the current version");
            return;
        }
        await JsonAsync(http, 200, Envelope(answer));
    }

    private void SoftDelete(string path)
    {
        lock (_gate)
            if (_secrets.TryGetValue(path, out var secret) && secret.Latest is { DeletedAt: null } latest)
                secret.Versions[secret.CurrentVersion] = latest with { DeletedAt = DateTimeOffset.UtcNow };
    }

    private async Task MetadataAsync(HttpContext http, string path)
    {
        JsonObject? body = null;
        lock (_gate)
            if (_secrets.TryGetValue(path, out var secret))
                body = new JsonObject
                {
                    ["current_version"] = secret.CurrentVersion,
                    ["max_versions"] = secret.MaxVersions,
                    ["oldest_version"] = secret.Versions.Count > 0 ? secret.Versions.Keys.First() : 0,
                    ["cas_required"] = CasRequired,
                    ["versions"] = new JsonObject(secret.Versions.Select(v => KeyValuePair.Create(v.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)VersionMetadata(v.Value, v.Key)))),
                };
        if (body is null) { await ErrorAsync(http, 404); return; }
        await JsonAsync(http, 200, Envelope(body));
    }

    /// <summary>POST metadata: sets the path's settings (here <c>max_versions</c>), creating its metadata (version 0) if absent; 204.</summary>
    private async Task WriteMetadataAsync(HttpContext http, string path)
    {
        JsonNode? request;
        try { request = await JsonNode.ParseAsync(http.Request.Body); }
        catch (JsonException) { await ErrorAsync(http, 400, "failed to parse JSON input"); return; }
        int? max = request?["max_versions"] is JsonValue value && value.TryGetValue<int>(out var m) ? m : null;
        if (max < 0) { await ErrorAsync(http, 400, "max_versions must be non-negative"); return; }
        lock (_gate)
        {
            var secret = _secrets.GetOrAdd(path, _ => new Secret());
            if (max is { } set) secret.MaxVersions = set;
        }
        http.Response.StatusCode = 204;
    }

    private static JsonObject VersionMetadata(Version version, long number) => new()
    {
        ["created_time"] = version.CreatedAt.ToString("O"),
        ["custom_metadata"] = null,
        ["deletion_time"] = version.DeletedAt?.ToString("O") ?? "",
        ["destroyed"] = false,
        ["version"] = number,
    };

    private static JsonObject Envelope(JsonObject data) => new()
    {
        ["request_id"] = Guid.NewGuid().ToString(),
        ["lease_id"] = "",
        ["renewable"] = false,
        ["lease_duration"] = 0,
        ["data"] = data,
        ["wrap_info"] = null,
        ["warnings"] = null,
        ["auth"] = null,
    };

    private static Task ErrorAsync(HttpContext http, int status, params string[] errors) =>
        JsonAsync(http, status, new JsonObject { ["errors"] = new JsonArray(errors.Select(e => (JsonNode?)e).ToArray()) });

    private static async Task JsonAsync(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class Secret
    {
        public SortedDictionary<long, Version> Versions { get; } = [];
        public long CurrentVersion { get; private set; }
        public int MaxVersions { get; set; }
        public Version? Latest => Versions.GetValueOrDefault(CurrentVersion);

        /// <summary>A new version; those past <see cref="MaxVersions"/> (0: the mount's) are removed, data and metadata.</summary>
        public void Add(Version version)
        {
            Versions[++CurrentVersion] = version;
            var keep = MaxVersions > 0 ? MaxVersions : MountMaxVersions;
            foreach (var old in Versions.Keys.Where(n => n <= CurrentVersion - keep).ToList()) Versions.Remove(old);
        }
    }

    private sealed record Version(Dictionary<string, JsonElement> Data, DateTimeOffset CreatedAt, DateTimeOffset? DeletedAt = null);
}
