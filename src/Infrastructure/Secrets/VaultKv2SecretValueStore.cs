using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>VAULT_ADDR, VAULT_MOUNT_PATH (a KV v2 mount) and the token: VAULT_TOKEN, or VAULT_TOKEN_FILE re-read when it changes.</summary>
public sealed record VaultSettings(Uri Address, string MountPath, string? Token, string? TokenFile)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// SECRETS_BACKEND=vault: one KV v2 secret per scope at <c>&lt;mount&gt;/data/&lt;scope.Path&gt;</c>, its data map holding
/// the scope's keys. Writes are read-modify-write with check-and-set (<c>options.cas</c> = the version read), retried
/// when another writer got there first. No replaced or deleted value stays behind as an old version: every write first
/// sets the path to keep one version (<c>max_versions: 1</c> on <c>&lt;mount&gt;/metadata/&lt;path&gt;</c>), so Vault removes
/// all older versions when it stores the new one (paths written before included). A scope is deleted with all its
/// versions (DELETE <c>&lt;mount&gt;/metadata/&lt;path&gt;</c>).
/// A refused token (403), a timeout, an unreachable or sealed Vault all become <see cref="SecretBackendUnavailableException"/>.
/// </summary>
public sealed class VaultKv2SecretValueStore : ISecretValueStore
{
    private const int CasAttempts = 5;
    private readonly HttpClient _http;
    private readonly string _mount;
    private readonly VaultToken _token;

    public VaultKv2SecretValueStore(VaultSettings settings, HttpMessageHandler? handler = null)
    {
        var address = settings.Address.AbsoluteUri.TrimEnd('/') + "/v1/";
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(address),
            Timeout = settings.Timeout,
        };
        _mount = settings.MountPath.Trim('/');
        _token = new VaultToken(settings.Token, settings.TokenFile);
    }

    public string Backend => "vault";

    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(SecretScope scope, CancellationToken cancellationToken) =>
        (await ReadVersionAsync(scope, cancellationToken)).Data;

    public Task WriteAsync(SecretScope scope, string key, string value, CancellationToken cancellationToken) =>
        ChangeAsync(scope, data => { data[key] = value; return true; }, cancellationToken);

    public Task DeleteAsync(SecretScope scope, string key, CancellationToken cancellationToken) =>
        ChangeAsync(scope, data => data.Remove(key), cancellationToken);

    public async Task DeleteScopeAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"{_mount}/metadata/{scope.Path}", null, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.NotFound))
            throw await UnexpectedAsync(response, "DELETE metadata", cancellationToken);
    }

    /// <summary>The token is valid (<c>auth/token/lookup-self</c>, allowed by Vault's default policy) and Vault answers.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "auth/token/lookup-self", null, cancellationToken);
        if (!response.IsSuccessStatusCode) throw await UnexpectedAsync(response, "GET auth/token/lookup-self", cancellationToken);
    }

    /// <summary>Read, change, write back with cas = the version read; another writer in between makes Vault refuse, and we read again.</summary>
    private async Task ChangeAsync(SecretScope scope, Func<Dictionary<string, string>, bool> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < CasAttempts; attempt++)
        {
            var (data, version) = await ReadVersionAsync(scope, cancellationToken);
            if (!change(data)) return;
            await KeepOneVersionAsync(scope, cancellationToken);
            var body = new JsonObject
            {
                ["options"] = new JsonObject { ["cas"] = version },
                ["data"] = new JsonObject(data.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            };
            using var response = await SendAsync(HttpMethod.Post, DataPath(scope), body, cancellationToken);
            if (response.IsSuccessStatusCode) return;
            var errors = await ErrorsAsync(response, cancellationToken);
            if (response.StatusCode == HttpStatusCode.BadRequest && errors.Any(e => e.Contains("check-and-set", StringComparison.OrdinalIgnoreCase)))
                continue;
            throw Unexpected(response.StatusCode, "POST data", errors);
        }
        throw new SecretBackendUnavailableException($"The Vault secret {DataPath(scope)} kept changing under {CasAttempts} check-and-set writes; retry.");
    }

    /// <summary>POST metadata <c>max_versions: 1</c> (creates the metadata of a new path at version 0, which cas=0 still matches).</summary>
    private async Task KeepOneVersionAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{_mount}/metadata/{scope.Path}", new JsonObject { ["max_versions"] = 1 }, cancellationToken);
        if (!response.IsSuccessStatusCode) throw await UnexpectedAsync(response, "POST metadata", cancellationToken);
    }

    /// <summary>The scope's data and its current version (0: none yet, so cas=0 creates it only if still absent).</summary>
    private async Task<(Dictionary<string, string> Data, long Version)> ReadVersionAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, DataPath(scope), null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound && !response.IsSuccessStatusCode)
            throw await UnexpectedAsync(response, "GET data", cancellationToken);
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        using var json = await ReadJsonAsync(response, cancellationToken);
        // 404: nothing written yet ({"errors":[]}), or the latest version deleted (its metadata still carries the version).
        if (json is not { RootElement.ValueKind: JsonValueKind.Object } || !json.RootElement.TryGetProperty("data", out var body) || body.ValueKind != JsonValueKind.Object)
            return (data, 0);
        var version = body.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("version", out var v) && v.TryGetInt64(out var number) ? number : 0;
        if (response.IsSuccessStatusCode && body.TryGetProperty("data", out var map) && map.ValueKind == JsonValueKind.Object)
            foreach (var entry in map.EnumerateObject())
                data[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
        return (data, version);
    }

    private string DataPath(SecretScope scope) => $"{_mount}/data/{scope.Path}";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Add("X-Vault-Token", _token.Current(reload: attempt > 0));
            if (body is not null) request.Content = JsonContent.Create(body);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new SecretBackendUnavailableException($"Vault at {_http.BaseAddress} cannot be reached: {e.Message}", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SecretBackendUnavailableException($"Vault at {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s.", e);
            }
            if (response.StatusCode == HttpStatusCode.Forbidden && attempt == 0 && _token.FromFile)
            {
                response.Dispose();   // the token file may have been rotated within the file system's timestamp resolution: read it again once
                continue;
            }
            if (response.StatusCode == HttpStatusCode.Forbidden)
            {
                response.Dispose();
                throw new SecretBackendUnavailableException($"Vault refused the token (403 permission denied) on {method} {_mount}; check VAULT_TOKEN/VAULT_TOKEN_FILE and its policy.");
            }
            if ((int)response.StatusCode >= 500)
            {
                var errors = await ErrorsAsync(response, cancellationToken);
                response.Dispose();
                throw new SecretBackendUnavailableException($"Vault answered {(int)response.StatusCode} ({string.Join("; ", errors)}).");
            }
            return response;
        }
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonDocument.Parse(text); }
        catch (JsonException) { return null; }
    }

    /// <summary>Vault's error body: <c>{"errors": ["..."]}</c>. Vault's messages name paths and reasons, never the data sent.</summary>
    private static async Task<IReadOnlyList<string>> ErrorsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var json = await ReadJsonAsync(response, cancellationToken);
        return json?.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
            ? errors.EnumerateArray().Select(e => e.ToString()).ToList()
            : [];
    }

    private async Task<Exception> UnexpectedAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken) =>
        Unexpected(response.StatusCode, operation, await ErrorsAsync(response, cancellationToken));

    private Exception Unexpected(HttpStatusCode status, string operation, IReadOnlyList<string> errors) =>
        new InvalidOperationException($"Vault answered {(int)status} to {operation} under mount '{_mount}': {string.Join("; ", errors)}");

    /// <summary>VAULT_TOKEN as given, or VAULT_TOKEN_FILE read again whenever its time stamp or length changes (an agent renews it).</summary>
    private sealed class VaultToken(string? token, string? file)
    {
        private volatile Cached? _cached;   // replaced whole, so concurrent requests never see half an update

        public bool FromFile => file is not null;

        public string Current(bool reload)
        {
            if (file is null) return token ?? throw new InvalidOperationException("VAULT_TOKEN or VAULT_TOKEN_FILE is required.");
            try
            {
                var info = new FileInfo(file);
                if (!reload && _cached is { } cached && cached.Stamp == info.LastWriteTimeUtc && cached.Length == info.Length) return cached.Token;
                var text = File.ReadAllText(file).Trim();
                _cached = new Cached(info.LastWriteTimeUtc, info.Length, text);
                return text;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SecretBackendUnavailableException($"VAULT_TOKEN_FILE {file} cannot be read: {e.GetType().Name}.", e);
            }
        }

        private sealed record Cached(DateTime Stamp, long Length, string Token);
    }
}
