using System.Net;
using System.Text.Json;
using CleanScheduler.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>Outside DEV_MODE, signed in through a real OpenID Connect provider (oauth2-mock-server) given by OIDC_ISSUER.</summary>
public sealed class OidcFactory : ApiFactory
{
    public const string ClientId = "cleanscheduler-test";
    private readonly string _secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    private OidcProvider? _provider;
    private Uri? _issuer;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["DEV_MODE"] = "false",
        ["BASE_URL"] = "https://app.example.com",
        ["PLATFORM_ADMINS"] = PlatformAdmin,
        ["GOOGLE_CLIENT_ID"] = ClientId,
        ["GOOGLE_CLIENT_SECRET"] = _secret,
        ["GOOGLE_REDIRECT_URL"] = "https://app.example.com/oauth2/callback",
        ["OIDC_ISSUER"] = _issuer!.ToString(),
        ["SESSION_BACKEND"] = "postgres",
        ["SESSION_COOKIE_NAME"] = "cs_session",
        ["STATE_COOKIE_NAME"] = "cs_state",
        ["LOG_LEVEL"] = "warning",
    };

    /// <summary>What the server logged (warnings and errors, LOG_LEVEL=warning).</summary>
    public LogCapture Logs { get; } = new();

    public string Secret => _secret;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    public override async Task InitializeAsync()
    {
        _provider = await OidcProvider.StartAsync(ClientId, _secret);
        _issuer = _provider.Issuer;
        await base.InitializeAsync();
    }

    protected override Task DisposePeersAsync() => StopProviderAsync();

    /// <summary>The provider goes down (the server keeps what it has read of it: discovery and keys).</summary>
    public async Task StopProviderAsync()
    {
        if (_provider is { } provider)
        {
            _provider = null;
            await provider.DisposeAsync();
        }
    }

    public SignInBrowser Browser(string host = "localhost") =>
        new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }), host);
}

public sealed class OidcSignInTests(OidcFactory factory) : IClassFixture<OidcFactory>
{
    private static async Task<JsonElement> MeAsync(SignInBrowser browser)
    {
        using var response = await browser.GetAsync("/api/me");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/api/me answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("user").Clone();
    }

    [Fact]
    public async Task The_first_sign_in_creates_the_user_and_a_session_and_returns_to_the_page_asked_for()
    {
        var browser = factory.Browser();
        var email = ApiFactory.NewEmail("first");

        var next = await browser.SignInAsync(email, returnTo: "/orgs/new?from=signin");

        Assert.Equal("/orgs/new?from=signin", next);
        Assert.True(SessionLooksValid(browser.Cookie("cs_session")));
        Assert.Equal(email, (await MeAsync(browser)).GetProperty("email").GetString());
        Assert.DoesNotContain(browser.Cookies.GetAllCookies(), c => c.Name.StartsWith("cs_state", StringComparison.Ordinal) && !c.Expired);
    }

    [Fact]
    public async Task Signing_in_again_keeps_the_user_and_rotates_the_session()
    {
        var browser = factory.Browser();
        var email = ApiFactory.NewEmail("again");
        await browser.SignInAsync(email);
        var first = browser.Cookie("cs_session")!;
        var userId = (await MeAsync(browser)).GetProperty("id").GetString();

        await browser.SignInAsync(email);

        var second = browser.Cookie("cs_session")!;
        Assert.NotEqual(first, second);
        Assert.Equal(userId, (await MeAsync(browser)).GetProperty("id").GetString());
        var old = factory.Browser();
        old.Cookies.Add(new Cookie("cs_session", first, "/", "localhost"));
        await ProblemAsync(old.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");   // the old id ended at sign-in
    }

    [Theory]
    [InlineData("unverified", "email_unverified")]
    [InlineData("wrong_nonce", "nonce_invalid")]
    [InlineData("expired", "token_expired")]
    [InlineData("wrong_audience", "audience_invalid")]
    [InlineData("wrong_issuer", "issuer_invalid")]
    [InlineData("tampered", "signature_invalid")]
    [InlineData("unsigned", "signature_invalid")]
    [InlineData("denied", "access_denied")]
    public async Task A_refused_id_token_or_answer_ends_on_the_sign_in_page_with_the_reason_and_no_session(string scenario, string code)
    {
        var browser = factory.Browser();

        var next = await browser.SignInAsync(ApiFactory.NewEmail(scenario), scenario);

        Assert.Equal($"/signin?error={code}", next);
        Assert.Null(browser.Cookie("cs_session"));
        await ProblemAsync(browser.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
    }

    [Fact]
    public async Task A_refusal_is_logged_once_as_a_warning_with_its_code_and_without_tokens_or_secrets()
    {
        var before = factory.Logs.Lines.Count;

        await factory.Browser().SignInAsync(ApiFactory.NewEmail("logged"), "expired");

        var lines = factory.Logs.Lines.Skip(before).ToList();
        var line = Assert.Single(lines);
        Assert.StartsWith("Warning CleanScheduler.WebApi.Auth.OidcSignIn: Sign-in refused", line, StringComparison.Ordinal);
        Assert.Contains("token_expired", line, StringComparison.Ordinal);
        Assert.Contains("SecurityTokenExpiredException", line, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", line, StringComparison.Ordinal);   // no JWT
        Assert.DoesNotContain(factory.Secret, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forged_state_is_refused()
    {
        var browser = factory.Browser();
        var callback = await browser.AuthorizeAsync(ApiFactory.NewEmail("forged"));
        var query = System.Web.HttpUtility.ParseQueryString(callback.Query);
        var state = query["state"]!;
        var forged = state[..^4] + (state[^4] == 'A' ? 'B' : 'A') + state[^3..];

        var next = await browser.CallbackAsync(new Uri($"{callback.GetLeftPart(UriPartial.Path)}?code={query["code"]}&state={Uri.EscapeDataString(forged)}"));

        Assert.Equal("/signin?error=state_invalid", next);
        Assert.Null(browser.Cookie("cs_session"));
    }

    [Fact]
    public async Task A_missing_state_is_refused()
    {
        var browser = factory.Browser();
        var callback = await browser.AuthorizeAsync(ApiFactory.NewEmail("stateless"));
        var code = System.Web.HttpUtility.ParseQueryString(callback.Query)["code"];

        var next = await browser.CallbackAsync(new Uri($"{callback.GetLeftPart(UriPartial.Path)}?code={code}"));

        Assert.Equal("/signin?error=state_invalid", next);
        Assert.Null(browser.Cookie("cs_session"));
    }

    [Fact]
    public async Task A_callback_from_another_browser_is_refused_login_csrf()
    {
        var attacker = factory.Browser();
        var callback = await attacker.AuthorizeAsync(ApiFactory.NewEmail("attacker"));   // the attacker's own valid code and state
        var victim = factory.Browser();

        var next = await victim.CallbackAsync(callback);

        Assert.Equal("/signin?error=state_invalid", next);
        Assert.Null(victim.Cookie("cs_session"));
    }

    [Fact]
    public async Task A_replayed_code_is_refused_even_with_the_original_cookies()
    {
        var browser = factory.Browser();
        var callback = await browser.AuthorizeAsync(ApiFactory.NewEmail("replay"));
        var cookies = browser.Snapshot();
        Assert.Equal("/", await browser.CallbackAsync(callback));
        var replay = factory.Browser();
        replay.Use(cookies);

        var next = await replay.CallbackAsync(callback);

        Assert.Equal("/signin?error=code_rejected", next);
        Assert.Null(replay.Cookie("cs_session"));
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task After_sign_in_the_browser_returns_only_to_a_path_of_this_site(string returnTo)
    {
        var next = await factory.Browser().SignInAsync(ApiFactory.NewEmail("return"), returnTo: returnTo);

        Assert.Equal("/", next);
    }

    [Fact]
    public async Task The_callback_is_not_an_api_route_and_a_bare_get_of_it_is_refused_without_a_500()
    {
        var browser = factory.Browser();

        var next = await browser.CallbackAsync(new Uri("https://app.example.com/oauth2/callback"));

        Assert.Equal("/signin?error=state_invalid", next);
    }

    [Fact]
    public async Task A_white_label_host_runs_its_own_flow_and_gets_a_session_for_that_host_only()
    {
        var admin = factory.Browser();
        await admin.SignInAsync(ApiFactory.PlatformAdmin);
        var host = $"c{Guid.NewGuid():N}"[..12] + ".partner.test";
        await CreateClientAsync(admin, host);
        var onClient = factory.Browser(host);

        var callback = await onClient.AuthorizeAsync(ApiFactory.NewEmail("partner-user"));
        Assert.Equal($"https://{host}/oauth2/callback", callback.GetLeftPart(UriPartial.Path));
        Assert.Equal("/", await onClient.CallbackAsync(callback));

        var session = onClient.Cookie("cs_session")!;
        await MeAsync(onClient);
        var onPlatform = factory.Browser();
        onPlatform.Cookies.Add(new Cookie("cs_session", session, "/", "localhost"));
        await ProblemAsync(onPlatform.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
    }

    [Fact]
    public void Every_refusal_code_is_worded_on_the_sign_in_page()
    {
        var page = File.ReadAllText(RepoPaths.Of("frontend", "src", "pages", "SignIn.tsx"));

        Assert.All(Auth.OidcSignIn.Refusals.Where(c => c != "sign_in_failed"), code => Assert.Contains($"  {code}: \"", page));
    }

    private async Task CreateClientAsync(SignInBrowser admin, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clients")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { name = "Partner", domains = new[] { host }, branding = new { displayName = "Partner", primaryColor = "#123456" } }),
        };
        request.Headers.Add("Cookie", $"cs_session={admin.Cookie("cs_session")}");
        using var response = await factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }).SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static bool SessionLooksValid(string? id) => Application.Common.SessionIds.LooksValid(id);
}

/// <summary>A sign-in the provider started but cannot finish: it is down when the server redeems the code.</summary>
public sealed class OidcProviderOutageTests(OidcFactory factory) : IClassFixture<OidcFactory>
{
    [Fact]
    public async Task A_provider_down_at_the_callback_ends_on_the_sign_in_page_with_the_reason_and_no_session()
    {
        var browser = factory.Browser();
        var callback = await browser.AuthorizeAsync(ApiFactory.NewEmail("outage"));
        await factory.StopProviderAsync();

        var next = await browser.CallbackAsync(callback);

        Assert.Equal("/signin?error=provider_unavailable", next);
        Assert.Null(browser.Cookie("cs_session"));
    }
}

/// <summary>OIDC_ISSUER names a provider nobody answers at (yet).</summary>
public sealed class UnreachableProviderFactory : ApiFactory
{
    public int ProviderPort { get; } = Loopback.FreePort();

    protected override IDictionary<string, string?> Settings => Production(("GOOGLE_CLIENT_ID", "client"), ("OIDC_ISSUER", $"http://127.0.0.1:{ProviderPort}"));
}

public sealed class UnreachableProviderTests(UnreachableProviderFactory factory) : IClassFixture<UnreachableProviderFactory>
{
    [Fact]
    public async Task Sign_in_with_the_provider_down_ends_on_the_sign_in_page_and_works_once_the_provider_is_back()
    {
        using (var login = await factory.Anonymous().GetAsync("/auth/login"))
        {
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal("/signin?error=provider_unavailable", login.Headers.Location!.OriginalString);
            Assert.False(login.Headers.Contains("Set-Cookie"));
        }

        await using var provider = await OidcProvider.StartAsync("client", "secret", factory.ProviderPort);

        using var again = await factory.Anonymous().GetAsync("/auth/login");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.StartsWith($"{provider.Issuer}authorize?", again.Headers.Location!.ToString());
    }
}

/// <summary>COOKIE_SECURE=true, as in production: the sign-in cookies are __Host- cookies.</summary>
public sealed class SecureCookieOidcFactory : ApiFactory
{
    public int ProviderPort { get; } = Loopback.FreePort();

    protected override IDictionary<string, string?> Settings => Production(
        ("COOKIE_SECURE", "true"), ("GOOGLE_CLIENT_ID", "client"), ("OIDC_ISSUER", $"http://127.0.0.1:{ProviderPort}"));
}

public sealed class SecureSignInCookieTests(SecureCookieOidcFactory factory) : IClassFixture<SecureCookieOidcFactory>
{
    [Fact]
    public async Task With_secure_cookies_the_state_and_nonce_cookies_are_host_only_so_a_sibling_subdomain_cannot_plant_them()
    {
        await using var provider = await OidcProvider.StartAsync("client", "secret", factory.ProviderPort);
        using var login = await factory.Anonymous().GetAsync("/auth/login");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var cookies = login.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(2, cookies.Count);   // correlation (state) and nonce
        Assert.All(cookies, cookie =>
        {
            Assert.StartsWith("__Host-oauth_state.", cookie);
            Assert.Contains("path=/;", cookie + ";", StringComparison.OrdinalIgnoreCase);
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        });
    }
}
