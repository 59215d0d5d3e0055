using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport.Secrets;

/// <summary>
/// An in-process AWS Secrets Manager speaking the JSON 1.1 protocol (POST /, <c>X-Amz-Target: secretsmanager.&lt;Action&gt;</c>,
/// <c>application/x-amz-json-1.1</c>) for GetSecretValue, CreateSecret, PutSecretValue and DeleteSecret, with AWS's error
/// bodies (<c>{"__type": "...", "message": "..."}</c>). Every request's SigV4 signature is verified here from scratch, as AWS
/// documents it (canonical request, string to sign, derived signing key), without the SDK: an unknown key id is refused
/// with UnrecognizedClientException, a wrong signature, scope or stale date with InvalidSignatureException.
/// </summary>
public sealed partial class FakeSecretsManagerServer : IAsyncDisposable
{
    public const string Service = "secretsmanager";
    private const string Account = "123456789012";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Secret> _secrets = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    private FakeSecretsManagerServer(WebApplication app, Uri address, string region) => (_app, Address, Region) = (app, address, region);

    public Uri Address { get; }
    public string Region { get; }

    /// <summary>Access key id -> (secret key, session token or null): the identities AWS knows.</summary>
    public ConcurrentDictionary<string, (string SecretKey, string? SessionToken)> Credentials { get; } = new(StringComparer.Ordinal);

    public int Requests;

    public static async Task<FakeSecretsManagerServer> StartAsync(string region = "eu-west-1")
    {
        FakeSecretsManagerServer? server = null;
        var (app, address) = await Loopback.ServeAsync(http => server!.HandleAsync(http));
        server = new FakeSecretsManagerServer(app, address, region);
        return server;
    }

    /// <summary>The current SecretString of a secret by name, as another AWS client would read it; null when absent or deleted.</summary>
    public string? SecretString(string name)
    {
        lock (_gate) return _secrets.TryGetValue(name, out var s) && s.DeletedAt is null ? s.Versions[^1].SecretString : null;
    }

    private async Task HandleAsync(HttpContext http)
    {
        Interlocked.Increment(ref Requests);
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (http.Request.Method != "POST" || http.Request.Path != "/")
        {
            await ErrorAsync(http, 404, "UnknownOperationException", null);
            return;
        }
        if (Authenticate(http.Request, body) is { } refusal)
        {
            await ErrorAsync(http, refusal.Status, refusal.Type, refusal.Message);
            return;
        }
        if (http.Request.ContentType != "application/x-amz-json-1.1")
        {
            await ErrorAsync(http, 400, "SerializationException", null);   // AWS answers a JSON-1.0 or form body so
            return;
        }
        var target = http.Request.Headers["X-Amz-Target"].ToString();
        JsonObject? input;
        try { input = JsonNode.Parse(body) as JsonObject; }
        catch (JsonException) { input = null; }
        if (input is null) { await ErrorAsync(http, 400, "SerializationException", null); return; }
        var (status, answer) = target switch
        {
            "secretsmanager.GetSecretValue" => GetSecretValue(input),
            "secretsmanager.CreateSecret" => CreateSecret(input),
            "secretsmanager.PutSecretValue" => PutSecretValue(input),
            "secretsmanager.DeleteSecret" => DeleteSecret(input),
            _ => (400, Error("UnknownOperationException", null)),
        };
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/x-amz-json-1.1";
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await http.Response.WriteAsync(answer.ToJsonString());
    }

    private (int, JsonObject) GetSecretValue(JsonObject input)
    {
        lock (_gate)
        {
            if (Find(input["SecretId"]) is not { } secret) return NotFound();
            if (secret.DeletedAt is not null) return MarkedForDeletion();
            var version = secret.Versions[^1];
            return (200, new JsonObject
            {
                ["ARN"] = secret.Arn, ["Name"] = secret.Name, ["VersionId"] = version.Id, ["SecretString"] = version.SecretString,
                ["VersionStages"] = new JsonArray("AWSCURRENT"), ["CreatedDate"] = version.CreatedAt.ToUnixTimeMilliseconds() / 1000.0,
            });
        }
    }

    private (int, JsonObject) CreateSecret(JsonObject input)
    {
        var name = input["Name"]?.GetValue<string>();
        if (name is null || !SecretNameRule().IsMatch(name)) return (400, Error("ValidationException", "1 validation error detected: Value at 'name' failed to satisfy constraint"));
        if (Invalid(input) is { } invalid) return invalid;
        lock (_gate)
        {
            if (_secrets.TryGetValue(name, out var existing))
                return existing.DeletedAt is null
                    ? (400, Error("ResourceExistsException", $"The operation failed because the secret {name} already exists."))
                    : (400, Error("InvalidRequestException", $"You can't create this secret because a secret with this name is already scheduled for deletion."));
            var secret = new Secret(name, $"arn:aws:secretsmanager:{Region}:{Account}:secret:{name}-{RandomNumberGenerator.GetHexString(6, lowercase: true)}");
            var version = secret.Add(input["SecretString"]!.GetValue<string>(), input["ClientRequestToken"]?.GetValue<string>());
            _secrets[name] = secret;
            return (200, new JsonObject { ["ARN"] = secret.Arn, ["Name"] = name, ["VersionId"] = version.Id });
        }
    }

    private (int, JsonObject) PutSecretValue(JsonObject input)
    {
        if (Invalid(input) is { } invalid) return invalid;
        lock (_gate)
        {
            if (Find(input["SecretId"]) is not { } secret) return NotFound();
            if (secret.DeletedAt is not null) return MarkedForDeletion();
            var version = secret.Add(input["SecretString"]!.GetValue<string>(), input["ClientRequestToken"]?.GetValue<string>());
            return (200, new JsonObject { ["ARN"] = secret.Arn, ["Name"] = secret.Name, ["VersionId"] = version.Id, ["VersionStages"] = new JsonArray("AWSCURRENT") });
        }
    }

    private (int, JsonObject) DeleteSecret(JsonObject input)
    {
        lock (_gate)
        {
            if (Find(input["SecretId"]) is not { } secret) return NotFound();
            var now = DateTimeOffset.UtcNow;
            if (input["ForceDeleteWithoutRecovery"]?.GetValue<bool>() == true) _secrets.TryRemove(secret.Name, out _);
            else secret.DeletedAt = now.AddDays(input["RecoveryWindowInDays"]?.GetValue<int>() ?? 30);
            return (200, new JsonObject { ["ARN"] = secret.Arn, ["Name"] = secret.Name, ["DeletionDate"] = (secret.DeletedAt ?? now).ToUnixTimeSeconds() });
        }
    }

    private static (int, JsonObject)? Invalid(JsonObject input)
    {
        if (input["SecretString"] is not JsonValue value || !value.TryGetValue<string>(out var text))
            return (400, Error("InvalidParameterException", "You must provide either SecretString or SecretBinary."));
        if (Encoding.UTF8.GetByteCount(text) > 65_536)
            return (400, Error("ValidationException", "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"));
        return null;
    }

    private Secret? Find(JsonNode? id)
    {
        var text = id?.GetValue<string>();
        if (text is null) return null;
        return _secrets.TryGetValue(text, out var byName) ? byName : _secrets.Values.FirstOrDefault(s => s.Arn == text);
    }

    private static (int, JsonObject) NotFound() => (400, Error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));

    private static (int, JsonObject) MarkedForDeletion() =>
        (400, Error("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion."));

    /// <summary>SigV4 as AWS documents it; null when the request is signed by a known identity, else the refusal.</summary>
    private (int Status, string Type, string Message)? Authenticate(HttpRequest request, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0) return (400, "MissingAuthenticationTokenException", "Missing Authentication Token");
        var match = AuthorizationRule().Match(authorization);
        if (!match.Success) return (400, "IncompleteSignatureException", $"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.");
        var (accessKey, date, region, service) = (match.Groups["key"].Value, match.Groups["date"].Value, match.Groups["region"].Value, match.Groups["service"].Value);
        var signedHeaders = match.Groups["headers"].Value.Split(';');
        if (!Credentials.TryGetValue(accessKey, out var identity))
            return (400, "UnrecognizedClientException", "The security token included in the request is invalid.");
        if (identity.SessionToken is { } token && request.Headers["X-Amz-Security-Token"].ToString() != token)
            return (400, "UnrecognizedClientException", "The security token included in the request is invalid.");
        if (region != Region || service != Service)
            return (400, "InvalidSignatureException", $"Credential should be scoped to a valid region and service ({Region}/{Service}).");
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date"))
            return (400, "InvalidSignatureException", "'Host' and 'X-Amz-Date' must be signed.");
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt)
            || !amzDate.StartsWith(date, StringComparison.Ordinal))
            return (400, "IncompleteSignatureException", "X-Amz-Date must be in ISO 8601 basic format and match the credential scope's date.");
        if ((DateTimeOffset.UtcNow - signedAt).Duration() > TimeSpan.FromMinutes(15))
            return (400, "InvalidSignatureException", $"Signature expired: {amzDate} is now earlier or later than 15 minutes from the current time.");
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (request.Headers["X-Amz-Content-SHA256"].ToString() is { Length: > 0 } claimed && claimed != payloadHash)
            return (400, "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");

        var canonicalHeaders = new StringBuilder();
        foreach (var name in signedHeaders)
        {
            var values = name == "host" ? [request.Host.Value ?? ""] : request.Headers[name].Select(v => v ?? "").ToArray();
            canonicalHeaders.Append(name).Append(':').Append(string.Join(',', values.Select(v => SpacesRule().Replace(v.Trim(), " ")))).Append('\n');
        }
        var canonicalRequest = string.Join('\n',
            request.Method,
            CanonicalUri(request.Path.Value ?? "/"),
            CanonicalQuery(request.QueryString.Value ?? ""),
            canonicalHeaders.ToString(),
            string.Join(';', signedHeaders),
            payloadHash);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, scope, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + identity.SecretKey), date), region), service), "aws4_request");
        var expected = Convert.ToHexStringLower(Hmac(key, stringToSign));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(match.Groups["signature"].Value))
            ? null
            : (400, "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string CanonicalUri(string path) =>
        string.Join('/', path.Split('/').Select(segment => Uri.EscapeDataString(Uri.UnescapeDataString(segment))));

    private static string CanonicalQuery(string query) =>
        string.Join('&', query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Value: Uri.EscapeDataString(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

    private static JsonObject Error(string type, string? message) =>
        message is null ? new JsonObject { ["__type"] = type } : new JsonObject { ["__type"] = type, ["message"] = message };

    private static async Task ErrorAsync(HttpContext http, int status, string type, string? message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/x-amz-json-1.1";
        await http.Response.WriteAsync(Error(type, message).ToJsonString());
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, ?SignedHeaders=(?<headers>[a-z0-9;-]+), ?Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationRule();

    [GeneratedRegex(" {2,}")]
    private static partial Regex SpacesRule();

    [GeneratedRegex(@"^[A-Za-z0-9/_+=.@-]{1,512}$")]
    private static partial Regex SecretNameRule();

    private sealed class Secret(string name, string arn)
    {
        public string Name { get; } = name;
        public string Arn { get; } = arn;
        public List<SecretVersion> Versions { get; } = [];
        public DateTimeOffset? DeletedAt { get; set; }

        public SecretVersion Add(string secretString, string? token)
        {
            var version = new SecretVersion(token ?? Guid.NewGuid().ToString(), secretString, DateTimeOffset.UtcNow);
            Versions.Add(version);
            return version;
        }
    }

    private sealed record SecretVersion(string Id, string SecretString, DateTimeOffset CreatedAt);
}
