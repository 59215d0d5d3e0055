using System.Net;
using System.Text.Json;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Users;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// Outside DEV_MODE, on a fake clock (SESSION_DURATION 8h, SESSION_IDLE_TIMEOUT 30m). A sign-in is made as the OIDC
/// callback makes it: a user, a session in the store, its id in the cookie.
/// </summary>
public class SessionApiFactory : ApiFactory
{
    public const string Cookie = "cs_session";
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected virtual string Backend => "postgres";

    protected override IDictionary<string, string?> Settings => Production(
        ("SESSION_BACKEND", Backend), ("REDIS_ADDR", Backend == "redis" ? TestSupport.TestRedis.Address : null),
        ("SESSION_COOKIE_NAME", Cookie), ("SESSION_DURATION", "8h"), ("SESSION_IDLE_TIMEOUT", "30m"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public async Task<SignedIn> SignInAsync(string email, string userAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", string ip = "198.51.100.4")
    {
        await using var scope = Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserProvisioner>().EnsureAsync(EmailAddress.From(email), CancellationToken.None);
        var session = await scope.ServiceProvider.GetRequiredService<ISessionStore>().CreateAsync(
            user.Id, user.Email, Clock.GetUtcNow(), TimeSpan.FromHours(8), CancellationToken.None, device: SessionDevice.From(userAgent, ip));
        return new SignedIn(WithCookie(session.Id, user.Email), session.Id, session.Handle);
    }

    public Api WithCookie(string id, string email = "")
    {
        var api = new Api(Anonymous().Http, email);
        api.Http.DefaultRequestHeaders.Add("Cookie", $"{Cookie}={id}");
        return api;
    }
}

public sealed record SignedIn(Api Api, string CookieValue, string Handle);

public sealed class RedisSessionApiFactory : SessionApiFactory
{
    protected override string Backend => "redis";
}

public sealed class SessionApiTests(SessionApiFactory factory) : IClassFixture<SessionApiFactory>
{
    private static async Task<JsonElement[]> SessionsAsync(Api api) =>
        [.. (await api.ExpectAsync(api.GetAsync("/api/sessions"), HttpStatusCode.OK)).EnumerateArray()];

    private static async Task<HttpStatusCode> MeAsync(Api api)
    {
        using var response = await api.GetAsync("/api/me");
        return response.StatusCode;
    }

    [Fact]
    public async Task The_list_shows_each_sign_in_with_browser_and_address_newest_first_and_marks_the_current_one()
    {
        var email = ApiFactory.NewEmail("ana");
        var phone = await factory.SignInAsync(email, "Mozilla/5.0 (iPhone) Safari/605.1", "203.0.113.9");
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var laptop = await factory.SignInAsync(email);
        await factory.SignInAsync(ApiFactory.NewEmail("someone-else"));

        var sessions = await SessionsAsync(laptop.Api);

        Assert.Equal([laptop.Handle, phone.Handle], sessions.Select(s => s.GetProperty("id").GetString()));
        Assert.Equal([true, false], sessions.Select(s => s.GetProperty("current").GetBoolean()));
        Assert.Equal(("Mozilla/5.0 (iPhone) Safari/605.1", "203.0.113.9"), (sessions[1].GetProperty("userAgent").GetString(), sessions[1].GetProperty("ip").GetString()));
        Assert.Equal(factory.Clock.GetUtcNow().AddMinutes(-2).AddHours(8), sessions[1].GetProperty("expiresAt").GetDateTimeOffset(), TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(phone.CookieValue, sessions[1].GetRawText());
    }

    [Fact]
    public async Task Revoking_a_session_signs_that_cookie_out_and_only_that_one()
    {
        var email = ApiFactory.NewEmail("ben");
        var (phone, laptop) = (await factory.SignInAsync(email), await factory.SignInAsync(email));

        await laptop.Api.ExpectAsync(laptop.Api.DeleteAsync($"/api/sessions/{phone.Handle}"), HttpStatusCode.NoContent);

        await ProblemAsync(phone.Api.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
        Assert.Equal(HttpStatusCode.OK, await MeAsync(laptop.Api));
        await ProblemAsync(laptop.Api.DeleteAsync($"/api/sessions/{phone.Handle}"), HttpStatusCode.NotFound, "session.not_found");
    }

    [Theory]
    [InlineData("other-user")]
    [InlineData("random")]
    [InlineData("not-a-handle")]
    public async Task Another_users_session_or_an_unknown_id_answers_404(string kind)
    {
        var mine = await factory.SignInAsync(ApiFactory.NewEmail("cleo"));
        var theirs = await factory.SignInAsync(ApiFactory.NewEmail("dan"));
        var id = kind switch { "other-user" => theirs.Handle, "random" => SessionIds.Hash(SessionIds.New()), _ => "..%2f..%2fetc%2fpasswd" };

        await ProblemAsync(mine.Api.DeleteAsync($"/api/sessions/{id}"), HttpStatusCode.NotFound, "session.not_found");

        Assert.Equal(HttpStatusCode.OK, await MeAsync(theirs.Api));
    }

    [Fact]
    public async Task Signing_out_everywhere_else_keeps_only_the_current_session()
    {
        var email = ApiFactory.NewEmail("eve");
        var others = new[] { await factory.SignInAsync(email), await factory.SignInAsync(email) };
        var current = await factory.SignInAsync(email);
        var someone = await factory.SignInAsync(ApiFactory.NewEmail("fay"));

        var answer = await current.Api.ExpectAsync(current.Api.Http.PostAsync("/api/sessions/revoke-others", null), HttpStatusCode.OK);

        Assert.Equal(2, answer.GetProperty("revoked").GetInt32());
        foreach (var other in others) await ProblemAsync(other.Api.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (await MeAsync(current.Api), await MeAsync(someone.Api)));
        Assert.Equal([current.Handle], (await SessionsAsync(current.Api)).Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Logout_deletes_the_session_on_the_server_so_a_kept_copy_of_the_cookie_is_refused()
    {
        var email = ApiFactory.NewEmail("gus");
        var (leaving, staying) = (await factory.SignInAsync(email), await factory.SignInAsync(email));

        using var logout = await leaving.Api.Http.PostAsync("/auth/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await ProblemAsync(factory.WithCookie(leaving.CookieValue).GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
        Assert.DoesNotContain(leaving.Handle, (await SessionsAsync(staying.Api)).Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task An_unused_session_ends_after_the_idle_timeout_and_use_keeps_one_alive()
    {
        var email = ApiFactory.NewEmail("hal");
        var (used, unused) = (await factory.SignInAsync(email), await factory.SignInAsync(email));

        factory.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(used.Api));
        factory.Clock.Advance(TimeSpan.FromMinutes(20));   // 40 minutes after sign-in, 20 after the last use

        Assert.Equal(HttpStatusCode.OK, await MeAsync(used.Api));
        await ProblemAsync(unused.Api.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
    }

    [Fact]
    public async Task A_session_in_constant_use_still_ends_at_the_session_duration()
    {
        var signedIn = await factory.SignInAsync(ApiFactory.NewEmail("ivy"));
        for (var elapsed = TimeSpan.FromMinutes(25); elapsed < TimeSpan.FromHours(8); elapsed += TimeSpan.FromMinutes(25))
        {
            factory.Clock.Advance(TimeSpan.FromMinutes(25));
            Assert.Equal(HttpStatusCode.OK, await MeAsync(signedIn.Api));
        }

        factory.Clock.Advance(TimeSpan.FromMinutes(25));   // 8h20m after sign-in

        await ProblemAsync(signedIn.Api.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
    }

    [Fact]
    public async Task Session_management_answers_401_without_a_session()
    {
        await ProblemAsync(factory.Anonymous().GetAsync("/api/sessions"), HttpStatusCode.Unauthorized, "auth.required");
        await ProblemAsync(factory.Anonymous().Http.PostAsync("/api/sessions/revoke-others", null), HttpStatusCode.Unauthorized, "auth.required");
    }

    [Fact]
    public async Task A_member_removed_from_every_organization_sees_none_of_their_data_in_the_same_session()
    {
        var owner = (await factory.SignInAsync(ApiFactory.NewEmail("owner"))).Api;
        var bob = await factory.SignInAsync(ApiFactory.NewEmail("bob"));
        var bobId = await bob.Api.UserIdAsync();
        var (first, firstTeam) = await owner.CreateOrgAsync("First");
        var (second, secondTeam) = await owner.CreateOrgAsync("Second");
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{first}/members", new { email = bob.Api.Email, role = "org_admin" }), HttpStatusCode.Created);
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{second}/members", new { email = bob.Api.Email, role = "org_member" }), HttpStatusCode.Created);
        var template = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={firstTeam}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Static site").GetProperty("id").GetString();
        var deployment = (await owner.ExpectAsync(owner.PostAsync("/api/deployments",
            new { teamId = firstTeam, name = "shop", templateId = template, values = new Dictionary<string, string>() }), HttpStatusCode.Created)).GetProperty("id").GetString();
        Assert.Equal(2, (await bob.Api.ExpectAsync(bob.Api.GetAsync("/api/orgs"), HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        await bob.Api.ExpectAsync(bob.Api.GetAsync($"/api/deployments/{deployment}"), HttpStatusCode.OK);

        await owner.ExpectAsync(owner.DeleteAsync($"/api/orgs/{first}/members/{bobId}"), HttpStatusCode.NoContent);
        await owner.ExpectAsync(owner.DeleteAsync($"/api/orgs/{second}/members/{bobId}"), HttpStatusCode.NoContent);

        Assert.Equal(0, (await bob.Api.ExpectAsync(bob.Api.GetAsync("/api/orgs"), HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        var me = await bob.Api.ExpectAsync(bob.Api.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal((0, 0), (me.GetProperty("organizations").GetArrayLength(), me.GetProperty("teams").GetArrayLength()));
        foreach (var path in new[]
        {
            $"/api/orgs/{first}", $"/api/orgs/{second}", $"/api/orgs/{first}/teams", $"/api/orgs/{second}/members", $"/api/orgs/{first}/usage",
            $"/api/teams/{firstTeam}", $"/api/teams/{secondTeam}", $"/api/teams/{secondTeam}/members",
            $"/api/deployments/{deployment}", $"/api/deployments?teamId={firstTeam}", $"/api/templates?teamId={secondTeam}",
        })
            await ProblemAsync(bob.Api.GetAsync(path), HttpStatusCode.NotFound);
        await ProblemAsync(bob.Api.PostAsync($"/api/orgs/{second}/teams", new { name = "sneaky" }), HttpStatusCode.NotFound);
        await ProblemAsync(bob.Api.Http.PostAsync($"/api/deployments/{deployment}/stop", null), HttpStatusCode.NotFound);
    }
}

public sealed class RedisSessionApiTests(RedisSessionApiFactory factory) : IClassFixture<RedisSessionApiFactory>
{
    [Fact]
    public async Task With_redis_sessions_sign_in_list_revoke_and_logout_work_as_with_the_others()
    {
        var email = ApiFactory.NewEmail("rita");
        var other = await factory.SignInAsync(email);
        factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var current = await factory.SignInAsync(email);

        var listed = await current.Api.ExpectAsync(current.Api.GetAsync("/api/sessions"), HttpStatusCode.OK);
        var revoked = await current.Api.ExpectAsync(current.Api.Http.PostAsync("/api/sessions/revoke-others", null), HttpStatusCode.OK);
        await ProblemAsync(other.Api.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
        using var logout = await current.Api.Http.PostAsync("/auth/logout", null);

        Assert.Equal([current.Handle, other.Handle], listed.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(1, revoked.GetProperty("revoked").GetInt32());
        await ProblemAsync(current.Api.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.required");
    }
}

/// <summary>DEV_MODE: sign-in through /auth/login, and users who act without a session (X-Dev-User, the implicit dev user).</summary>
public sealed class DevSessionApiFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["SESSION_BACKEND"] = "memory" };
}

public sealed class DevSessionApiTests(DevSessionApiFactory factory) : IClassFixture<DevSessionApiFactory>
{
    /// <summary>The new session cookie (a sign-in that carried an old one also deletes that: an empty value).</summary>
    private static string CookieOf(HttpResponseMessage login) => login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => !c.EndsWith('='));

    private async Task<HttpResponseMessage> LoginAsync(string? cookie, string userAgent)
    {
        var client = factory.Anonymous().Http;
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        if (cookie is not null) client.DefaultRequestHeaders.Add("Cookie", cookie);
        return await client.GetAsync("/auth/login?as=kim@example.test");
    }

    private Api With(string cookie)
    {
        var api = factory.Anonymous();
        api.Http.DefaultRequestHeaders.Add("Cookie", cookie);
        return api;
    }

    [Fact]
    public async Task Sign_in_records_the_browser_and_address_and_gives_a_new_id_ending_the_old_one()
    {
        var longAgent = "Mozilla/5.0 " + new string('x', 400);
        using var first = await LoginAsync(null, "Mozilla/5.0 (X11) Firefox/140.0");
        using var second = await LoginAsync(CookieOf(first), longAgent);

        var sessions = (await With(CookieOf(second)).ExpectAsync(With(CookieOf(second)).GetAsync("/api/sessions"), HttpStatusCode.OK)).EnumerateArray().ToArray();

        Assert.NotEqual(CookieOf(first), CookieOf(second));
        var session = Assert.Single(sessions);   // the first sign-in's session ended with the second
        Assert.Equal((longAgent[..SessionDevice.MaxUserAgentLength], "127.0.0.1", true),
            (session.GetProperty("userAgent").GetString(), session.GetProperty("ip").GetString(), session.GetProperty("current").GetBoolean()));
        await ProblemAsync(With(CookieOf(first)).GetAsync("/api/sessions"), HttpStatusCode.Forbidden, "auth.session_required");   // back to the implicit dev user
    }

    [Theory]
    [InlineData("GET", "/api/sessions")]
    [InlineData("POST", "/api/sessions/revoke-others")]
    [InlineData("DELETE", "/api/sessions/0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task A_user_without_a_session_cookie_cannot_manage_sessions(string method, string path)
    {
        await ProblemAsync(factory.As("lee@example.test").Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)),
            HttpStatusCode.Forbidden, "auth.session_required");
        await ProblemAsync(factory.Anonymous().Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)),
            HttpStatusCode.Forbidden, "auth.session_required");
    }
}

/// <summary>SESSION_BACKEND=redis with nothing listening at REDIS_ADDR: the server starts, and sessions are unavailable.</summary>
public sealed class UnreachableRedisFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings => Production(
        ("SESSION_BACKEND", "redis"), ("REDIS_ADDR", $"127.0.0.1:{TestSupport.Loopback.FreePort()}"), ("SESSION_COOKIE_NAME", SessionApiFactory.Cookie));
}

public sealed class UnreachableRedisTests(UnreachableRedisFactory factory) : IClassFixture<UnreachableRedisFactory>
{
    [Fact]
    public async Task With_redis_down_a_request_with_a_session_answers_503_with_retry_after_not_500()
    {
        var api = factory.Anonymous();
        api.Http.DefaultRequestHeaders.Add("Cookie", $"{SessionApiFactory.Cookie}={new string('a', 43)}");   // well-formed: the store is asked
        using var response = await api.GetAsync("/api/me");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        await ProblemAsync(Task.FromResult(response), HttpStatusCode.ServiceUnavailable, "unavailable.sessions");
        using var health = await factory.Anonymous().GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);   // the process is alive; it is the store that is not
    }
}
