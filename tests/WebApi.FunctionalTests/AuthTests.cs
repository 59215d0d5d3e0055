using System.Net;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Users;
using CleanScheduler.Application.Features.Users;
using Microsoft.Extensions.DependencyInjection;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>Outside DEV_MODE: sessions only, and X-Dev-User means nothing.</summary>
public sealed class ProductionAuthFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings => Production(   // sign-in itself: OidcSignInTests
        ("SESSION_COOKIE_NAME", "cs_session"), ("SECRETS_ENCRYPTION_KEY", Convert.ToBase64String(TestSupport.TestServices.SecretsKey)));
}

public sealed class ProductionAuthTests(ProductionAuthFactory factory) : IClassFixture<ProductionAuthFactory>
{
    private async Task<(UserRef User, Session Session)> SignedInAsync(TimeSpan lifetime, DateTimeOffset? at = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserProvisioner>()
            .EnsureAsync(EmailAddress.From(ApiFactory.NewEmail("signed")), CancellationToken.None);
        var session = await scope.ServiceProvider.GetRequiredService<ISessionStore>()
            .CreateAsync(user.Id, user.Email, at ?? DateTimeOffset.UtcNow, lifetime, CancellationToken.None);
        return (user, session);
    }

    private HttpClient WithCookie(string value)
    {
        var client = factory.Anonymous().Http;
        client.DefaultRequestHeaders.Add("Cookie", $"cs_session={value}");
        return client;
    }

    [Fact]
    public async Task Without_a_session_the_api_answers_401_problem_details() =>
        await ProblemAsync(factory.Anonymous().GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");

    [Fact]
    public async Task Every_api_route_answers_401_without_a_session()
    {
        var anonymous = factory.Anonymous();
        var id = Guid.NewGuid().ToString();

        var routes = RouteCatalog.ApiRoutes(factory.Services);
        Assert.Equal(["GET /api/branding", "GET /api/invitations/by-token/{token}", "POST /api/invitations/decline"],   // the public API routes: an invitation link is its own credential
            routes.Where(r => r.Anonymous).Select(r => r.ToString()));
        foreach (var route in routes.Where(r => !r.Anonymous))
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(id, id, id));
            if (route.HasBody) request.Content = System.Net.Http.Json.JsonContent.Create(route.ValidBody());
            await ProblemAsync(anonymous.Http.SendAsync(request), HttpStatusCode.Unauthorized, "auth.required");
        }
    }

    [Fact]
    public async Task The_dev_user_header_is_ignored_outside_dev_mode() =>
        await ProblemAsync(factory.As("dev@localhost").GetAsync("/api/orgs"), HttpStatusCode.Unauthorized, "auth.required");

    [Fact]
    public async Task A_valid_session_cookie_signs_the_request_in()
    {
        var (user, session) = await SignedInAsync(TimeSpan.FromHours(1));

        using var response = await WithCookie(session.Id).GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(user.Email, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Expired_forged_and_deleted_sessions_are_refused()
    {
        var (_, expired) = await SignedInAsync(TimeSpan.FromHours(1), at: DateTimeOffset.UtcNow.AddHours(-2));
        var (_, deleted) = await SignedInAsync(TimeSpan.FromHours(1));
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ISessionStore>().DeleteAsync(deleted.Id, CancellationToken.None);

        foreach (var cookie in new[] { expired.Id, deleted.Id, SessionIds.New(), "short", "'; DROP TABLE sessions; --" })
            await ProblemAsync(WithCookie(cookie).GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
    }

    [Fact]
    public async Task Logout_ends_the_session()
    {
        var (_, session) = await SignedInAsync(TimeSpan.FromHours(1));
        var client = WithCookie(session.Id);

        using var logout = await client.PostAsync("/auth/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith("cs_session=;", StringComparison.Ordinal));
        await ProblemAsync(client.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Outside_dev_mode_other_machines_are_served()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add(ApiFactory.PeerHeader, "203.0.113.7");

        using var response = await factory.Anonymous().Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Probes_need_no_session()
    {
        using var health = await factory.Anonymous().GetAsync("/healthz");
        using var ready = await factory.Anonymous().GetAsync("/readyz");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (health.StatusCode, ready.StatusCode));
    }
}

public sealed class DevModeAuthFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["DEV_MODE"] = "true",
        ["SERVER_ADDR"] = "127.0.0.1:8081",
        ["SESSION_BACKEND"] = "memory",
        ["SESSION_COOKIE_NAME"] = "cs_session",
        ["SESSION_DURATION"] = "2h",
        ["COOKIE_SECURE"] = "true",
        ["LOG_LEVEL"] = "warning",
    };
}

public sealed class DevModeAuthTests(DevModeAuthFactory factory) : IClassFixture<DevModeAuthFactory>
{
    private static async Task<string> EmailOfMeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return me.GetProperty("user").GetProperty("email").GetString()!;
    }

    [Fact]
    public async Task Every_request_is_dev_at_localhost_unless_the_header_names_someone_else()
    {
        Assert.Equal("dev@localhost", await EmailOfMeAsync(factory.Anonymous().Http));
        Assert.Equal("alice@example.test", await EmailOfMeAsync(factory.As("Alice@Example.test").Http));
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b@c")]
    [InlineData("<script>alert(1)</script>")]
    public async Task A_dev_user_header_that_is_not_an_email_answers_400_naming_it(string header) =>
        await ValidationProblemAsync(factory.As(header).GetAsync("/api/me"), "X-Dev-User");

    [Fact]
    public async Task Dev_login_sets_a_secure_http_only_session_cookie_for_the_chosen_user_and_logout_clears_it()
    {
        var client = factory.Anonymous().Http;

        using var login = await client.GetAsync("/auth/login?as=carol@example.test");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("cs_session=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        var expires = DateTimeOffset.Parse(cookie.Split("expires=", StringSplitOptions.None)[1].Split(';')[0]);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddMinutes(118), DateTimeOffset.UtcNow.AddMinutes(121));

        var value = cookie.Split(';')[0]["cs_session=".Length..];
        client.DefaultRequestHeaders.Add("Cookie", $"cs_session={value}");
        Assert.Equal("carol@example.test", await EmailOfMeAsync(client));

        using var logout = await client.PostAsync("/auth/logout", null);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal("dev@localhost", await EmailOfMeAsync(client));   // the old cookie no longer names carol
    }

    [Theory]
    [InlineData("/orgs/5/usage?x=1", "/orgs/5/usage?x=1")]
    [InlineData(null, "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("/%0d%0aSet-Cookie:x=y", "/%0d%0aSet-Cookie:x=y")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("/a\r\nSet-Cookie: x=y", "/")]
    [InlineData("/\u00E9t\u00E9", "/")]   // not ASCII: not a valid Location (Kestrel would refuse the header: a 500)
    [InlineData("/a b", "/")]
    public async Task Dev_login_returns_to_a_path_of_this_site_and_nowhere_else(string? returnTo, string expected)
    {
        var query = returnTo is null ? "" : $"&returnTo={Uri.EscapeDataString(returnTo)}";
        using var login = await factory.Anonymous().Http.GetAsync($"/auth/login?as=dave@example.test{query}");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(expected, login.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("192.168.1.20")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("2001:db8::1")]
    public async Task A_dev_mode_server_refuses_requests_from_other_machines_whatever_they_claim(string peer)
    {
        foreach (var (method, path) in new[] { ("GET", "/api/me"), ("POST", "/api/orgs"), ("GET", "/auth/login?as=admin@platform.test"), ("GET", "/healthz") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            request.Headers.Add(ApiFactory.PeerHeader, peer);
            request.Headers.Add("X-Dev-User", ApiFactory.PlatformAdmin);
            request.Headers.Add("X-Forwarded-For", "127.0.0.1");   // never believed
            request.Headers.Add("X-Real-IP", "127.0.0.1");
            if (method == "POST") request.Content = System.Net.Http.Json.JsonContent.Create(new { name = "Remote", slug = "remote" });

            await ProblemAsync(factory.Anonymous().Http.SendAsync(request), HttpStatusCode.Forbidden, "dev_mode.local_only");
        }
    }

    [Theory]
    [InlineData("attacker.example")]          // DNS rebinding: a page on the attacker's domain, re-resolved to 127.0.0.1
    [InlineData("localhost.attacker.example")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task A_dev_mode_server_refuses_a_loopback_request_addressed_to_another_host_name(string host)
    {
        foreach (var (method, path) in new[] { ("GET", "/api/me"), ("POST", "/api/orgs") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Headers = { Host = host } };
            request.Headers.Add(ApiFactory.PeerHeader, "127.0.0.1");
            request.Headers.Add("X-Dev-User", ApiFactory.PlatformAdmin);
            if (method == "POST") request.Content = System.Net.Http.Json.JsonContent.Create(new { name = "Rebound", slug = "rebound" });

            await ProblemAsync(factory.Anonymous().Http.SendAsync(request), HttpStatusCode.Forbidden, "dev_mode.local_only");
        }
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:8081")]
    [InlineData("127.0.0.1:8081")]
    [InlineData("[::1]:8081")]
    [InlineData("app.localhost")]
    public async Task A_dev_mode_server_answers_requests_addressed_to_this_machine(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { Host = host } };
        request.Headers.Add(ApiFactory.PeerHeader, "127.0.0.1");

        using var response = await factory.Anonymous().Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task A_dev_mode_server_answers_loopback_peers(string peer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add(ApiFactory.PeerHeader, peer);

        using var response = await factory.Anonymous().Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dev_login_refuses_an_address_that_is_not_one() =>
        await ValidationProblemAsync(factory.Anonymous().GetAsync("/auth/login?as=nobody"), "as");
}

/// <summary>DEV_MODE with COOKIE_SECURE=true and no cookie name or domain: the session cookie gets the __Host- prefix.</summary>
public sealed class SecureCookieFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["COOKIE_SECURE"] = "true";
            return settings;
        }
    }
}

public sealed class SecureCookieTests(SecureCookieFactory factory) : IClassFixture<SecureCookieFactory>
{
    [Fact]
    public async Task A_secure_host_only_session_cookie_is_named_with_the_host_prefix_and_signs_requests_in()
    {
        var client = factory.Anonymous().Http;

        using var login = await client.GetAsync("/auth/login?as=erin@example.test");

        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-session_id=", cookie, StringComparison.Ordinal);
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.Split('=')[0].ToLowerInvariant()).ToList();
        Assert.Contains("secure", attributes);
        Assert.Contains("path", attributes);
        Assert.DoesNotContain("domain", attributes);   // what the prefix requires, or browsers drop the cookie
        Assert.Contains("path=/", cookie.Split(';', StringSplitOptions.TrimEntries));
        client.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        using var me = await client.GetAsync("/api/me");
        Assert.Contains("erin@example.test", await me.Content.ReadAsStringAsync());
    }
}
