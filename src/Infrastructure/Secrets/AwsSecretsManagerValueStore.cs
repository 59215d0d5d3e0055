using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Util;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>AWS_REGION, and the endpoint: AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL, else the region's public one.</summary>
public sealed record AwsSecretsManagerSettings(string Region, Uri? Endpoint = null)
{
    public Uri ServiceUrl => Endpoint ?? new Uri($"https://secretsmanager.{Region}.amazonaws.com/");
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// SECRETS_BACKEND=aws: one Secrets Manager secret per scope, named <c>cleanscheduler/&lt;scope.Path&gt;</c>, whose
/// SecretString is the scope's keys as a JSON object (what an ExternalSecret's <c>remoteRef.property</c> reads). Spoken
/// as AWS's JSON 1.1 protocol and signed with AWSSDK.Core's SigV4 signer (AWSSDK.SecretsManager is not served here);
/// credentials come from the SDK's default chain (environment, profile, web identity, container, instance) unless given.
/// Secrets Manager has no check-and-set: two writers changing different keys of one scope at the same instant can lose
/// one change. Its SecretString holds at most 64 KiB, for all keys of a scope together.
/// </summary>
public sealed class AwsSecretsManagerValueStore : ISecretValueStore
{
    public const string NamePrefix = "cleanscheduler/";
    public const int MaxSecretStringBytes = 65_536;
    private const int CreateAttempts = 3;
    private static readonly JsonSerializerOptions SecretStringJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };   // inside a JSON body, not HTML
    /// <summary>Refused credentials or signature, throttling: the backend is unavailable to us, whatever the HTTP status.</summary>
    private static readonly HashSet<string> UnavailableErrors = new(StringComparer.Ordinal)
    {
        "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature", "InvalidClientTokenId", "MissingAuthenticationToken",
        "ExpiredTokenException", "AccessDeniedException", "SignatureDoesNotMatch", "RequestExpired", "ThrottlingException",
    };

    private readonly HttpClient _http;
    private readonly AwsSecretsManagerSettings _settings;
    private readonly SigningConfig _config;
    private readonly AWS4Signer _signer = new();
    private AWSCredentials? _credentials;

    /// <param name="credentials">Null: the SDK's default credential chain, resolved at the first call.</param>
    public AwsSecretsManagerValueStore(AwsSecretsManagerSettings settings, AWSCredentials? credentials = null, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        _credentials = credentials;
        _config = new SigningConfig { AuthenticationRegion = settings.Region, AuthenticationServiceName = "secretsmanager", ServiceURL = settings.ServiceUrl.AbsoluteUri };
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = settings.Timeout };
    }

    public string Backend => "aws";

    public static string SecretName(SecretScope scope) => NamePrefix + scope.Path;

    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(SecretScope scope, CancellationToken cancellationToken) =>
        (await ReadMapAsync(SecretName(scope), cancellationToken)).Values;

    public async Task WriteAsync(SecretScope scope, string key, string value, CancellationToken cancellationToken)
    {
        var name = SecretName(scope);
        for (var attempt = 0; ; attempt++)
        {
            var (values, exists) = await ReadMapAsync(name, cancellationToken);
            values[key] = value;
            var secretString = Serialize(values);
            if (exists)
            {
                await CallAsync("PutSecretValue", new JsonObject { ["SecretId"] = name, ["SecretString"] = secretString, ["ClientRequestToken"] = Guid.NewGuid().ToString() }, cancellationToken);
                return;
            }
            try
            {
                await CallAsync("CreateSecret", new JsonObject { ["Name"] = name, ["SecretString"] = secretString, ["ClientRequestToken"] = Guid.NewGuid().ToString() }, cancellationToken);
                return;
            }
            catch (AwsError e) when (e.Type == "ResourceExistsException" && attempt < CreateAttempts)
            {
                // another writer created it since we read: read again and put
            }
        }
    }

    public async Task DeleteAsync(SecretScope scope, string key, CancellationToken cancellationToken)
    {
        var name = SecretName(scope);
        var (values, exists) = await ReadMapAsync(name, cancellationToken);
        if (!exists || !values.Remove(key)) return;
        await CallAsync("PutSecretValue", new JsonObject { ["SecretId"] = name, ["SecretString"] = Serialize(values), ["ClientRequestToken"] = Guid.NewGuid().ToString() }, cancellationToken);
    }

    /// <summary>Without a recovery window: a secret "scheduled for deletion" would block re-creating the scope under its name.</summary>
    public async Task DeleteScopeAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync("DeleteSecret", new JsonObject { ["SecretId"] = SecretName(scope), ["ForceDeleteWithoutRecovery"] = true }, cancellationToken);
        }
        catch (AwsError e) when (e.Type == "ResourceNotFoundException")
        {
        }
    }

    /// <summary>Credentials resolve, the signature is accepted and the service answers: a read of a name nobody writes.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken) => await ReadMapAsync(NamePrefix + "readiness-probe", cancellationToken);

    private async Task<(Dictionary<string, string> Values, bool Exists)> ReadMapAsync(string name, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonElement response;
        try
        {
            response = await CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = name }, cancellationToken);
        }
        catch (AwsError e) when (e.Type == "ResourceNotFoundException")
        {
            return (values, false);
        }
        if (response.TryGetProperty("SecretString", out var text) && text.ValueKind == JsonValueKind.String)
        {
            using var map = ParseMap(name, text.GetString()!);
            foreach (var entry in map.RootElement.EnumerateObject())
                values[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
        }
        return (values, true);
    }

    private static JsonDocument ParseMap(string name, string secretString)
    {
        try
        {
            var document = JsonDocument.Parse(secretString);
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        throw new InvalidOperationException($"The AWS secret {name} does not hold a JSON object of keys; it was not written by CleanScheduler.");
    }

    private static string Serialize(Dictionary<string, string> values)
    {
        var text = JsonSerializer.Serialize(values, SecretStringJson);
        if (Encoding.UTF8.GetByteCount(text) > MaxSecretStringBytes)
            throw new RuleViolationException("secret.backend_limit",
                $"AWS Secrets Manager holds at most {MaxSecretStringBytes / 1024} KiB per secret, for all keys of one scope together; this change would exceed it.");
        return text;
    }

    /// <summary>One JSON 1.1 call, signed with SigV4; the response body, or <see cref="AwsError"/> with AWS's error type.</summary>
    private async Task<JsonElement> CallAsync(string action, JsonObject body, CancellationToken cancellationToken)
    {
        var content = Encoding.UTF8.GetBytes(body.ToJsonString());
        var credentials = await CredentialsAsync(cancellationToken);
        var request = new DefaultRequest(new Operation(), "SecretsManager")
        {
            HttpMethod = "POST",
            Endpoint = _settings.ServiceUrl,
            ResourcePath = "/",
            Content = content,
        };
        request.Headers["Content-Type"] = "application/x-amz-json-1.1";
        request.Headers["X-Amz-Target"] = "secretsmanager." + action;
        if (credentials.UseToken) request.Headers["X-Amz-Security-Token"] = credentials.Token;
        _signer.Sign(request, _config, new RequestMetrics(), credentials.UseToken
            ? new SessionAWSCredentials(credentials.AccessKey, credentials.SecretKey, credentials.Token)
            : new BasicAWSCredentials(credentials.AccessKey, credentials.SecretKey));

        using var message = new HttpRequestMessage(HttpMethod.Post, _settings.ServiceUrl) { Content = new ByteArrayContent(content) };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) continue;   // HttpClient sends the same host[:port] it was signed with
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            else message.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new SecretBackendUnavailableException($"AWS Secrets Manager at {_settings.ServiceUrl} cannot be reached: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SecretBackendUnavailableException($"AWS Secrets Manager at {_settings.ServiceUrl} did not answer within {_http.Timeout.TotalSeconds:0} s.", e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement json = default;
            try
            {
                if (!string.IsNullOrWhiteSpace(text))
                {
                    using var document = JsonDocument.Parse(text);
                    json = document.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
                // a proxy's HTML error page: no AWS error type, judged by its status below
            }
            if (response.IsSuccessStatusCode) return json;
            var type = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("__type", out var t) ? t.GetString() ?? "" : "";
            type = type[(type.LastIndexOf('#') + 1)..];
            var errorMessage = json.ValueKind == JsonValueKind.Object && (json.TryGetProperty("message", out var m) || json.TryGetProperty("Message", out m)) ? m.GetString() : null;
            if (UnavailableErrors.Contains(type) || (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.Forbidden)
                throw new SecretBackendUnavailableException($"AWS Secrets Manager refused {action}: {(int)response.StatusCode} {type} ({errorMessage}).");
            throw new AwsError(type, $"AWS Secrets Manager answered {action} with {(int)response.StatusCode} {type}: {errorMessage}");
        }
    }

    private async Task<ImmutableCredentials> CredentialsAsync(CancellationToken cancellationToken)
    {
        try
        {
            _credentials ??= await new DefaultAWSCredentialsIdentityResolver().ResolveIdentityAsync(_config, cancellationToken);
            return await _credentials.GetCredentialsAsync();
        }
        catch (AmazonClientException e)
        {
            throw new SecretBackendUnavailableException($"No AWS credentials: {e.Message}", e);
        }
    }

    /// <summary>An error answer of Secrets Manager; AWS's messages name the secret and the reason, never its value.</summary>
    private sealed class AwsError(string type, string message) : Exception(message)
    {
        public string Type { get; } = type;
    }

    private sealed class Operation : AmazonWebServiceRequest;

    /// <summary>What the signer reads: the signing region and service name. Nothing else of the SDK's client machinery is used.</summary>
    private sealed class SigningConfig() : ClientConfig(new NoDefaults())
    {
        public override string ServiceVersion => "2017-10-17";
        public override string UserAgent => "cleanscheduler";
        public override string RegionEndpointServiceName => "secretsmanager";

        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) =>
            throw new NotSupportedException("The endpoint is given.");
    }

    private sealed class NoDefaults : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            throw new NotSupportedException("The signing configuration has no SDK defaults.");
    }
}
