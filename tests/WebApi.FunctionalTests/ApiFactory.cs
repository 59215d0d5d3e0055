using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CleanScheduler.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// The real server (DEV_MODE, real PostgreSQL on a database cloned for this test class) in a TestServer.
/// Settings are passed under their environment variable names, exactly as in production.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string PlatformAdmin = "admin@platform.test";
    private readonly DatabaseFixture _database = new();

    public string ConnectionString => _database.ConnectionString;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["DEV_MODE"] = "true",
        ["SERVER_ADDR"] = "localhost:8081",
        ["BASE_URL"] = "http://localhost:8081",
        ["PLATFORM_ADMINS"] = PlatformAdmin,
        ["SESSION_BACKEND"] = "postgres",
        ["LOG_LEVEL"] = "warning",
    };

    /// <summary>
    /// A server outside DEV_MODE as installed (Google client settings, PostgreSQL sessions, a platform admin), with
    /// <paramref name="overrides"/> on top. Sign-in is never sent to Google from a test: the issuer is a closed port
    /// unless an override names a test provider.
    /// </summary>
    protected static Dictionary<string, string?> Production(params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DEV_MODE"] = "false",
            ["BASE_URL"] = "https://app.example.com",
            ["GOOGLE_CLIENT_ID"] = "client.apps.googleusercontent.com",
            ["GOOGLE_CLIENT_SECRET"] = "secret",
            ["GOOGLE_REDIRECT_URL"] = "https://app.example.com/oauth2/callback",
            ["OIDC_ISSUER"] = "http://127.0.0.1:9",
            ["SESSION_BACKEND"] = "postgres",
            ["PLATFORM_ADMINS"] = PlatformAdmin,
            ["LOG_LEVEL"] = "warning",
        };
        foreach (var (key, value) in overrides) settings[key] = value;
        return settings;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("DATABASE_DSN", ConnectionString);
        builder.UseSetting("SECRETS_ENCRYPTION_KEY", Convert.ToBase64String(TestServices.SecretsKey));
        builder.UseSetting("METRICS_ADDR", "");   // no listener on :9090 unless a test asks for one (test servers run side by side)
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddTransient<IStartupFilter, PeerAddressFilter>());
    }

    /// <summary>Names the connection's peer address for one request (the TestServer has no socket; the default is 127.0.0.1).</summary>
    public const string PeerHeader = "X-Test-Peer-Address";

    /// <summary>
    /// What a socket would give: the TestServer leaves the peer address empty, so every request here comes from
    /// 127.0.0.1, as a local browser's would, unless the test names another peer in <see cref="PeerHeader"/>. The header
    /// is removed before the server sees the request.
    /// </summary>
    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, following) =>
            {
                http.Connection.RemoteIpAddress = http.Request.Headers.TryGetValue(PeerHeader, out var peer) ? IPAddress.Parse(peer.ToString()) : IPAddress.Loopback;
                http.Request.Headers.Remove(PeerHeader);
                return following(http);
            });
            next(app);
        };
    }

    public virtual Task InitializeAsync() => _database.InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _database.DisposeAsync();
        await DisposePeersAsync();
    }

    /// <summary>Stops what a derived factory started beside the server (after the server stopped).</summary>
    protected virtual Task DisposePeersAsync() => Task.CompletedTask;

    /// <summary>A client acting as <paramref name="email"/> through the X-Dev-User header (no cookies, no redirects).</summary>
    public Api As(string email)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("X-Dev-User", email);
        return new Api(client, email);
    }

    public Api Anonymous() => new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }), "");

    public static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}@example.test";

    /// <summary>
    /// A client for a new user who has signed in once (GET /api/me registers the account in DEV_MODE), so that an owner
    /// may add them directly; an address without an account can only be invited.
    /// </summary>
    public async Task<Api> SignedUpAsync(string who)
    {
        var user = As(NewEmail(who));
        await user.ExpectAsync(user.GetAsync("/api/me"), HttpStatusCode.OK);
        return user;
    }
}

/// <summary>A thin JSON client with the assertions the API tests share.</summary>
public sealed class Api(HttpClient http, string email)
{
    public HttpClient Http { get; } = http;
    public string Email { get; } = email;

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path);
    public Task<HttpResponseMessage> DeleteAsync(string path) => Http.DeleteAsync(path);
    public Task<HttpResponseMessage> PostAsync(string path, object body) => Http.PostAsJsonAsync(path, body);
    public Task<HttpResponseMessage> PutAsync(string path, object body) => Http.PutAsJsonAsync(path, body);
    public Task<HttpResponseMessage> PatchAsync(string path, object body) => Http.PatchAsJsonAsync(path, body);

    public Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string body, string contentType = "application/json") =>
        Http.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, contentType) });

    /// <summary>Sends and expects <paramref name="status"/>; returns the JSON body (or an empty element for 204).</summary>
    public async Task<JsonElement> ExpectAsync(Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Expects an RFC 9457 problem with this status and, when given, this code.</summary>
    public static async Task<JsonElement> ProblemAsync(Task<HttpResponseMessage> call, HttpStatusCode status, string? code = null)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("code", out var actual), $"problem without code: {text}");
        if (code is not null) Assert.Equal(code, actual.GetString());
        Assert.DoesNotContain("   at ", text);   // never a stack trace
        return problem;
    }

    /// <summary>Expects a 400 validation problem naming <paramref name="field"/>.</summary>
    public static async Task<JsonElement> ValidationProblemAsync(Task<HttpResponseMessage> call, string field)
    {
        var problem = await ProblemAsync(call, HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}': {problem}");
        return problem;
    }

    public async Task<(string OrgId, string DefaultTeamId)> CreateOrgAsync(string name = "Acme", string? slug = null)
    {
        var org = await ExpectAsync(PostAsync("/api/orgs", new { name, slug = slug ?? $"o-{Guid.NewGuid():N}"[..20] }), HttpStatusCode.Created);
        return (org.GetProperty("id").GetString()!, org.GetProperty("defaultTeamId").GetString()!);
    }

    public async Task<string> UserIdAsync() =>
        (await ExpectAsync(GetAsync("/api/me"), HttpStatusCode.OK)).GetProperty("user").GetProperty("id").GetString()!;
}
