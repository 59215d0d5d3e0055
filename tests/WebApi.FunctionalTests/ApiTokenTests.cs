using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Tokens;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Users;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server outside DEV_MODE (as <see cref="ProductionAuthFactory"/>), with a platform admin.</summary>
public sealed class TokenFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings => Production(("SESSION_COOKIE_NAME", "cs_session"));
}

/// <summary>
/// Personal API tokens outside DEV_MODE: made from a browser session, used as <c>Authorization: Bearer cs_...</c> on
/// the API, never more than their user holds, refused once revoked or expired.
/// </summary>
public sealed class ApiTokenTests(TokenFactory factory) : IClassFixture<TokenFactory>
{
    /// <summary>A browser signed in as a new user, or as <paramref name="email"/> (session cookie, no Origin header).</summary>
    private async Task<Api> BrowserAsync(string who = "owner", string? email = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserProvisioner>()
            .EnsureAsync(EmailAddress.From(email ?? ApiFactory.NewEmail(who)), CancellationToken.None);
        var session = await scope.ServiceProvider.GetRequiredService<ISessionStore>()
            .CreateAsync(user.Id, user.Email, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), CancellationToken.None);
        var client = factory.Anonymous().Http;
        client.DefaultRequestHeaders.Add("Cookie", $"cs_session={session.Id}");
        return new Api(client, user.Email);
    }

    private Api Bearer(string token)
    {
        var client = factory.Anonymous().Http;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new Api(client, "");
    }

    private static object TokenBody(string scope = "write", string? organizationId = null, DateTimeOffset? expiresAt = null, string name = "CI deploys") =>
        new { name, scope, expiresAt = expiresAt ?? DateTimeOffset.UtcNow.AddDays(30), organizationId };

    private static async Task<JsonElement> CreateTokenAsync(Api browser, string scope = "write", string? organizationId = null) =>
        await browser.ExpectAsync(browser.PostAsync("/api/tokens", TokenBody(scope, organizationId)), HttpStatusCode.Created);

    private static async Task<string> SecretAsync(Api browser, string scope = "write", string? organizationId = null) =>
        (await CreateTokenAsync(browser, scope, organizationId)).GetProperty("token").GetString()!;

    private static async Task<string[]> OrganizationIdsAsync(Api api) =>
        (await api.ExpectAsync(api.GetAsync("/api/orgs"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Select(o => o.GetProperty("id").GetString()!).ToArray();

    [Fact]
    public async Task A_token_is_created_listed_without_its_secret_used_and_revoked()
    {
        var browser = await BrowserAsync();

        var created = await CreateTokenAsync(browser);
        var secret = created.GetProperty("token").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^cs_[A-Za-z0-9_-]{43}$", secret);
        Assert.Equal(secret[..9], created.GetProperty("prefix").GetString());
        Assert.Equal("write", created.GetProperty("scope").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("lastUsedAt").ValueKind);

        var me = await Bearer(secret).ExpectAsync(Bearer(secret).GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal(browser.Email, me.GetProperty("user").GetProperty("email").GetString());

        var listed = await browser.ExpectAsync(browser.GetAsync("/api/tokens"), HttpStatusCode.OK);
        var only = Assert.Single(listed.EnumerateArray());
        Assert.Equal(id, only.GetProperty("id").GetString());
        Assert.False(only.TryGetProperty("token", out _));
        Assert.DoesNotContain(secret, listed.GetRawText());
        Assert.NotEqual(JsonValueKind.Null, only.GetProperty("lastUsedAt").ValueKind);

        await browser.ExpectAsync(browser.DeleteAsync($"/api/tokens/{id}"), HttpStatusCode.NoContent);

        using var refused = await Bearer(secret).GetAsync("/api/me");
        Assert.Equal("Bearer error=\"invalid_token\"", refused.Headers.WwwAuthenticate.ToString());
        await ProblemAsync(Task.FromResult(refused), HttpStatusCode.Unauthorized, "auth.invalid_token");
        Assert.Empty((await browser.ExpectAsync(browser.GetAsync("/api/tokens"), HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task The_answer_that_carries_the_secret_is_not_cached()
    {
        var browser = await BrowserAsync();

        using var response = await browser.PostAsync("/api/tokens", TokenBody());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Only_the_hash_of_the_secret_is_stored()
    {
        var browser = await BrowserAsync();
        var created = await CreateTokenAsync(browser);
        var secret = created.GetProperty("token").GetString()!;

        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT row_to_json(t)::text, t.secret_hash FROM api_tokens t WHERE t.id = $1", connection)
        {
            Parameters = { new() { Value = Guid.Parse(created.GetProperty("id").GetString()!) } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.DoesNotContain(secret[ApiTokenSecrets.PrefixLength..], reader.GetString(0));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret))), reader.GetString(1));
    }

    [Fact]
    public async Task Unknown_expired_and_malformed_tokens_get_401_and_the_cookie_beside_them_does_not_count()
    {
        var browser = await BrowserAsync();
        var expired = ApiTokenSecrets.New();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserProvisioner>().EnsureAsync(EmailAddress.From(browser.Email), CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<IApiTokenStore>().AddAsync(new ApiToken(Guid.CreateVersion7(), user.Id, null, "old",
                ApiTokenScope.Write, null, expired[..9], DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddSeconds(-1), null),
                ApiTokenSecrets.Hash(expired), CancellationToken.None);
        }

        foreach (var credential in new[] { expired, ApiTokenSecrets.New(), "cs_short", "not-a-token", "", "cs_" + new string('a', 42) + "\u00e9" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {credential}");
            await ProblemAsync(browser.Http.SendAsync(request), HttpStatusCode.Unauthorized, "auth.invalid_token");   // browser: its cookie rides along
        }
    }

    [Fact]
    public async Task A_read_token_reads_but_cannot_write()
    {
        var browser = await BrowserAsync();
        var (orgId, _) = await browser.CreateOrgAsync();
        var reader = Bearer(await SecretAsync(browser, "read"));

        await reader.ExpectAsync(reader.GetAsync($"/api/orgs/{orgId}"), HttpStatusCode.OK);
        using var refused = await reader.PostAsync("/api/orgs", new { name = "Not allowed" });

        Assert.Contains("insufficient_scope", refused.Headers.WwwAuthenticate.ToString());
        await ProblemAsync(Task.FromResult(refused), HttpStatusCode.Forbidden, "auth.insufficient_scope");
        Assert.Equal([orgId], await OrganizationIdsAsync(browser));
    }

    [Fact]
    public async Task A_read_token_is_refused_on_every_unsafe_api_route()
    {
        var browser = await BrowserAsync();
        var (orgId, teamId) = await browser.CreateOrgAsync();
        var reader = Bearer(await SecretAsync(browser, "read"));
        var userId = await browser.UserIdAsync();

        foreach (var route in RouteCatalog.ApiRoutes(factory.Services).Where(r => r.Method != "GET" && !r.Anonymous))
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(orgId, teamId, userId));
            if (route.HasBody) request.Content = JsonContent.Create(route.ValidBody());
            // Token and session management refuse every token (auth.session_required); either refusal is right there.
            string[] expected = route.Pattern.StartsWith("/api/tokens", StringComparison.Ordinal) ? ["auth.session_required"]
                : route.Pattern.StartsWith("/api/sessions", StringComparison.Ordinal) ? ["auth.session_required", "auth.insufficient_scope"]
                : ["auth.insufficient_scope"];
            var problem = await ProblemAsync(reader.Http.SendAsync(request), HttpStatusCode.Forbidden);
            Assert.True(expected.Contains(problem.GetProperty("code").GetString()), $"{route}: {problem}");
        }
        await browser.ExpectAsync(browser.GetAsync($"/api/orgs/{orgId}"), HttpStatusCode.OK);   // nothing was deleted
    }

    [Fact]
    public async Task A_token_cannot_manage_tokens()
    {
        var browser = await BrowserAsync();
        var created = await CreateTokenAsync(browser);
        var writer = Bearer(created.GetProperty("token").GetString()!);

        await ProblemAsync(writer.GetAsync("/api/tokens"), HttpStatusCode.Forbidden, "auth.session_required");
        await ProblemAsync(writer.PostAsync("/api/tokens", TokenBody()), HttpStatusCode.Forbidden, "auth.session_required");
        await ProblemAsync(writer.DeleteAsync($"/api/tokens/{created.GetProperty("id").GetString()}"), HttpStatusCode.Forbidden, "auth.session_required");

        Assert.Single((await browser.ExpectAsync(browser.GetAsync("/api/tokens"), HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task An_organization_limited_token_sees_only_that_organization()
    {
        var browser = await BrowserAsync();
        var (limitedOrg, _) = await browser.CreateOrgAsync("Limited");
        var (otherOrg, otherTeam) = await browser.CreateOrgAsync("Other");
        var token = Bearer(await SecretAsync(browser, "write", limitedOrg));

        Assert.Equal([limitedOrg], await OrganizationIdsAsync(token));
        var me = await token.ExpectAsync(token.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal([limitedOrg], me.GetProperty("organizations").EnumerateArray().Select(o => o.GetProperty("id").GetString()));
        Assert.All(me.GetProperty("teams").EnumerateArray(), t => Assert.Equal(limitedOrg, t.GetProperty("organizationId").GetString()));
        await token.ExpectAsync(token.GetAsync($"/api/orgs/{limitedOrg}"), HttpStatusCode.OK);
        await ProblemAsync(token.GetAsync($"/api/orgs/{otherOrg}"), HttpStatusCode.NotFound, "organization.not_found");
        await ProblemAsync(token.GetAsync($"/api/teams/{otherTeam}"), HttpStatusCode.NotFound, "team.not_found");
        await ProblemAsync(token.GetAsync($"/api/deployments?teamId={otherTeam}"), HttpStatusCode.NotFound);
        await ProblemAsync(token.PatchAsync($"/api/orgs/{otherOrg}", new { name = "Renamed" }), HttpStatusCode.NotFound, "organization.not_found");
        await ProblemAsync(token.PostAsync("/api/orgs", new { name = "Third" }), HttpStatusCode.Forbidden, "auth.organization_limited");
        Assert.Equal(2, (await OrganizationIdsAsync(browser)).Length);   // the browser session is not limited
    }

    [Fact]
    public async Task A_token_grants_only_what_its_user_holds_at_the_time_of_the_request()
    {
        var owner = await BrowserAsync();
        var member = await BrowserAsync("member");
        var (orgId, _) = await owner.CreateOrgAsync();
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{orgId}/members", new { email = member.Email, role = "org_member" }), HttpStatusCode.Created);
        var token = Bearer(await SecretAsync(member, "write", orgId));
        await token.ExpectAsync(token.GetAsync($"/api/orgs/{orgId}"), HttpStatusCode.OK);
        await ProblemAsync(token.PatchAsync($"/api/orgs/{orgId}", new { name = "Mine now" }), HttpStatusCode.Forbidden);   // org_member cannot rename

        await owner.ExpectAsync(owner.DeleteAsync($"/api/orgs/{orgId}/members/{await member.UserIdAsync()}"), HttpStatusCode.NoContent);

        await ProblemAsync(token.GetAsync($"/api/orgs/{orgId}"), HttpStatusCode.NotFound);
        Assert.Empty(await OrganizationIdsAsync(token));
    }

    [Fact]
    public async Task The_organization_must_be_one_the_caller_belongs_to()
    {
        var owner = await BrowserAsync();
        var stranger = await BrowserAsync("stranger");
        var (orgId, _) = await owner.CreateOrgAsync();

        await ProblemAsync(stranger.PostAsync("/api/tokens", TokenBody(organizationId: orgId)), HttpStatusCode.NotFound, "organization.not_found");
        await ProblemAsync(stranger.PostAsync("/api/tokens", TokenBody(organizationId: Guid.NewGuid().ToString())), HttpStatusCode.NotFound, "organization.not_found");
        Assert.Empty((await stranger.ExpectAsync(stranger.GetAsync("/api/tokens"), HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task A_bearer_request_needs_no_same_origin_check_but_a_cookie_request_keeps_it()
    {
        var browser = await BrowserAsync();
        var secret = await SecretAsync(browser);

        using var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/orgs") { Content = JsonContent.Create(new { name = "From a script" }) };
        withToken.Headers.Add("Origin", "https://evil.example");
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        await browser.ExpectAsync(factory.Anonymous().Http.SendAsync(withToken), HttpStatusCode.Created);

        using var withCookie = new HttpRequestMessage(HttpMethod.Post, "/api/orgs") { Content = JsonContent.Create(new { name = "Forged" }) };
        withCookie.Headers.Add("Origin", "https://evil.example");
        await ProblemAsync(browser.Http.SendAsync(withCookie), HttpStatusCode.Forbidden, "csrf.origin_mismatch");

        using var forgedBearer = new HttpRequestMessage(HttpMethod.Post, "/api/orgs") { Content = JsonContent.Create(new { name = "Forged too" }) };
        forgedBearer.Headers.Add("Origin", "https://evil.example");
        forgedBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "forged");
        await ProblemAsync(browser.Http.SendAsync(forgedBearer), HttpStatusCode.Unauthorized, "auth.invalid_token");   // the cookie does not count

        Assert.Single(await OrganizationIdsAsync(browser));
    }

    [Fact]
    public async Task The_last_use_is_written_at_most_once_a_minute()
    {
        var browser = await BrowserAsync();
        var created = await CreateTokenAsync(browser);
        var token = Bearer(created.GetProperty("token").GetString()!);

        await token.ExpectAsync(token.GetAsync("/api/me"), HttpStatusCode.OK);
        var first = Assert.Single((await browser.ExpectAsync(browser.GetAsync("/api/tokens"), HttpStatusCode.OK)).EnumerateArray())
            .GetProperty("lastUsedAt").GetDateTimeOffset();
        await token.ExpectAsync(token.GetAsync("/api/me"), HttpStatusCode.OK);
        var second = Assert.Single((await browser.ExpectAsync(browser.GetAsync("/api/tokens"), HttpStatusCode.OK)).EnumerateArray())
            .GetProperty("lastUsedAt").GetDateTimeOffset();

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(400, "expiresAt")]   // more than a year ahead
    [InlineData(-1, "expiresAt")]    // in the past
    public async Task The_expiry_must_be_ahead_and_at_most_a_year_away(int days, string field)
    {
        var browser = await BrowserAsync();

        await ValidationProblemAsync(browser.PostAsync("/api/tokens", TokenBody(expiresAt: DateTimeOffset.UtcNow.AddDays(days))), field);
        await ValidationProblemAsync(browser.PostAsync("/api/tokens", new { name = "n", scope = "read" }), "expiresAt");
        await browser.ExpectAsync(browser.PostAsync("/api/tokens", TokenBody(expiresAt: DateTimeOffset.UtcNow.AddYears(1))), HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bell\u0007")]
    [InlineData("new\nline")]
    [InlineData("\u0000")]
    public async Task Hostile_names_are_refused(string name)
    {
        var browser = await BrowserAsync();

        await ValidationProblemAsync(browser.PostAsync("/api/tokens", TokenBody(name: name)), "name");
        await ValidationProblemAsync(browser.PostAsync("/api/tokens", TokenBody(name: new string('x', 101))), "name");
        await ValidationProblemAsync(browser.PostAsync("/api/tokens", TokenBody(scope: "admin")), "scope");
        await ProblemAsync(browser.SendRawAsync(HttpMethod.Post, "/api/tokens", "{\"name\":\"x\",\"scope\":\"read\",\"expiresAt\":\"tomorrow\"}"), HttpStatusCode.BadRequest);
        Assert.Empty((await browser.ExpectAsync(browser.GetAsync("/api/tokens"), HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task A_token_is_valid_only_on_the_host_it_was_made_on()
    {
        var admin = await BrowserAsync(email: ApiFactory.PlatformAdmin);
        var host = $"p{Guid.NewGuid():N}"[..12] + ".partner.test";
        await admin.ExpectAsync(admin.PostAsync("/api/clients", new { name = "Partner", domains = new[] { host },
            branding = new { displayName = "Partner Cloud", primaryColor = "#112233" } }), HttpStatusCode.Created);
        var secret = await SecretAsync(await BrowserAsync());
        var onPlatform = Bearer(secret);
        var onPartner = Bearer(secret);
        onPartner.Http.DefaultRequestHeaders.Host = host;

        await onPlatform.ExpectAsync(onPlatform.GetAsync("/api/me"), HttpStatusCode.OK);
        await ProblemAsync(onPartner.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.invalid_token");
    }

    [Fact]
    public async Task An_organization_limited_token_carries_no_platform_admin_rights()
    {
        var admin = await BrowserAsync(email: ApiFactory.PlatformAdmin);
        var (orgId, _) = await admin.CreateOrgAsync();
        var limited = Bearer(await SecretAsync(admin, "write", orgId));
        var unlimited = Bearer(await SecretAsync(admin, "read"));

        await unlimited.ExpectAsync(unlimited.GetAsync("/api/clients"), HttpStatusCode.OK);
        await ProblemAsync(limited.GetAsync("/api/clients"), HttpStatusCode.Forbidden, "platform.admin_required");
        await ProblemAsync(limited.PutAsync($"/api/orgs/{orgId}/plan", new { plan = "business" }), HttpStatusCode.Forbidden, "platform.admin_required");
    }

    [Fact]
    public async Task Another_users_token_cannot_be_revoked()
    {
        var owner = await BrowserAsync();
        var other = await BrowserAsync("other");
        var created = await CreateTokenAsync(owner);

        await ProblemAsync(other.DeleteAsync($"/api/tokens/{created.GetProperty("id").GetString()}"), HttpStatusCode.NotFound, "token.not_found");

        var token = Bearer(created.GetProperty("token").GetString()!);
        await token.ExpectAsync(token.GetAsync("/api/me"), HttpStatusCode.OK);
    }
}

/// <summary>In DEV_MODE, a bearer header still decides alone: no X-Dev-User, no implicit dev user beside it.</summary>
public sealed class DevModeBearerTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_bad_bearer_token_is_not_replaced_by_the_dev_user()
    {
        var api = factory.As(ApiFactory.NewEmail("dev"));
        api.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiTokenSecrets.New());
        var anonymous = factory.Anonymous();
        anonymous.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "nonsense");

        await ProblemAsync(api.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.invalid_token");
        await ProblemAsync(anonymous.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "auth.invalid_token");
    }
}
