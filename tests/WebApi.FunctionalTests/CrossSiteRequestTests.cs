using System.Net;
using System.Net.Http.Json;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Users;
using Microsoft.Extensions.DependencyInjection;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// Cross-site request forgery, outside DEV_MODE (BASE_URL https://app.example.com, session cookie cs_session): a
/// request that changes something and carries the session cookie is accepted only from the platform's own pages.
/// </summary>
public sealed class CrossSiteRequestTests(ProductionAuthFactory factory) : IClassFixture<ProductionAuthFactory>
{
    private const string OwnOrigin = "https://app.example.com";

    private async Task<HttpClient> SignedInAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserProvisioner>()
            .EnsureAsync(EmailAddress.From(ApiFactory.NewEmail("browser")), CancellationToken.None);
        var session = await scope.ServiceProvider.GetRequiredService<ISessionStore>()
            .CreateAsync(user.Id, user.Email, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), CancellationToken.None);
        var client = factory.Anonymous().Http;
        client.DefaultRequestHeaders.Add("Cookie", $"cs_session={session.Id}");
        return client;
    }

    private static HttpRequestMessage CreateOrg(string? origin, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orgs") { Content = JsonContent.Create(new { name = "Forged", slug = $"f-{Guid.NewGuid():N}"[..20] }) };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return request;
    }

    private static async Task<int> OrganizationCountAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/orgs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("items").GetArrayLength();
    }

    [Fact]
    public async Task Every_unsafe_api_route_refuses_a_cookie_request_from_another_sites_page()
    {
        var browser = await SignedInAsync();
        var id = Guid.NewGuid().ToString();
        var unsafeRoutes = RouteCatalog.ApiRoutes(factory.Services).Where(r => r.Method != "GET").ToList();
        Assert.Contains(unsafeRoutes, r => r.ToString() == "POST /api/deployments/{id:guid}/stop");   // body-less ones too

        foreach (var route in unsafeRoutes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(id, id, id));
            if (route.HasBody) request.Content = JsonContent.Create(route.ValidBody());
            request.Headers.Add("Origin", "https://evil.example");

            var problem = await ProblemAsync(browser.SendAsync(request), HttpStatusCode.Forbidden, "csrf.origin_mismatch");
            Assert.Contains("another site", problem.GetProperty("detail").GetString());
        }
        Assert.Equal(0, await OrganizationCountAsync(browser));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("http://app.example.com")]
    [InlineData("https://app.example.com:8443")]
    [InlineData("https://app.example.com.evil.example")]
    [InlineData("https://sub.app.example.com")]
    [InlineData("https://evil.example")]
    [InlineData("not a url")]
    public async Task Origins_other_than_base_url_are_refused(string origin)
    {
        var browser = await SignedInAsync();

        await ProblemAsync(browser.SendAsync(CreateOrg(origin)), HttpStatusCode.Forbidden, "csrf.origin_mismatch");

        Assert.Equal(0, await OrganizationCountAsync(browser));
    }

    [Fact]
    public async Task Sec_fetch_site_cross_site_is_refused_also_without_an_origin() =>
        await ProblemAsync((await SignedInAsync()).SendAsync(CreateOrg(null, "cross-site")), HttpStatusCode.Forbidden, "csrf.origin_mismatch");

    [Theory]
    [InlineData(OwnOrigin, "same-origin")]
    [InlineData("HTTPS://APP.EXAMPLE.COM", null)]
    [InlineData(OwnOrigin, null)]
    [InlineData(null, "same-origin")]
    [InlineData(null, null)]   // no browser sends an unsafe request without Origin: curl, scripts, very old browsers
    public async Task The_platforms_own_pages_and_clients_that_are_not_browsers_are_served(string? origin, string? fetchSite)
    {
        var browser = await SignedInAsync();

        using var response = await browser.SendAsync(CreateOrg(origin, fetchSite));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_session_cookie_there_is_nothing_to_forge() =>
        await ProblemAsync(factory.Anonymous().Http.SendAsync(CreateOrg("https://evil.example")), HttpStatusCode.Unauthorized, "auth.required");

    [Fact]
    public async Task Logout_is_post_only_and_only_from_the_platforms_pages()
    {
        var browser = await SignedInAsync();

        await ProblemAsync(browser.GetAsync("/auth/logout"), HttpStatusCode.MethodNotAllowed);
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/auth/logout") { Headers = { { "Origin", "https://evil.example" } } };
        await ProblemAsync(browser.SendAsync(forged), HttpStatusCode.Forbidden, "csrf.origin_mismatch");
        Assert.Equal(0, await OrganizationCountAsync(browser));   // still signed in

        using var own = new HttpRequestMessage(HttpMethod.Post, "/auth/logout") { Headers = { { "Origin", OwnOrigin } } };
        using var loggedOut = await browser.SendAsync(own);
        Assert.Equal(HttpStatusCode.NoContent, loggedOut.StatusCode);
        await ProblemAsync(browser.GetAsync("/api/orgs"), HttpStatusCode.Unauthorized, "auth.required");
    }
}

/// <summary>DEV_MODE: the implicit dev@localhost is an ambient credential too; X-Dev-User is not; white-label hosts are own origins.</summary>
public sealed class DevModeCrossSiteRequestTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string OwnOrigin = "http://localhost:8081";

    private static HttpRequestMessage CreateOrg(string? origin, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orgs") { Content = JsonContent.Create(new { name = "Forged", slug = $"f-{Guid.NewGuid():N}"[..20] }) };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (host is not null) request.Headers.Host = host;
        return request;
    }

    [Fact]
    public async Task The_implicit_dev_user_is_protected_like_a_session()
    {
        var anonymous = factory.Anonymous().Http;

        await ProblemAsync(anonymous.SendAsync(CreateOrg("https://evil.example")), HttpStatusCode.Forbidden, "csrf.origin_mismatch");
        using var own = await anonymous.SendAsync(CreateOrg(OwnOrigin));
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    [Fact]
    public async Task A_request_that_names_its_user_in_a_header_is_not_riding_on_the_browsers_credentials()
    {
        using var response = await factory.As(ApiFactory.NewEmail("scripted")).Http.SendAsync(CreateOrg("https://evil.example"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task On_a_white_label_host_that_hosts_own_pages_are_accepted_and_other_hosts_pages_refused()
    {
        var admin = factory.As(ApiFactory.PlatformAdmin);
        async Task<string> ClientHostAsync()
        {
            var host = $"c{Guid.NewGuid():N}"[..12] + ".partner.test";
            await admin.ExpectAsync(admin.PostAsync("/api/clients", new
            {
                name = "Partner", domains = new[] { host }, branding = new { displayName = "Partner", logoUrl = "https://partner.test/logo.svg", primaryColor = "#123456" },
            }), HttpStatusCode.Created);
            return host;
        }
        var (host, otherClientHost) = (await ClientHostAsync(), await ClientHostAsync());
        var browser = factory.Anonymous().Http;
        using var login = new HttpRequestMessage(HttpMethod.Get, "/auth/login?as=partner-user@example.test") { Headers = { Host = host } };
        using var signedIn = await browser.SendAsync(login);
        browser.DefaultRequestHeaders.Add("Cookie", Assert.Single(signedIn.Headers.GetValues("Set-Cookie")).Split(';')[0]);

        using var fromOwnPage = await browser.SendAsync(CreateOrg($"http://{host}", host));
        Assert.Equal(HttpStatusCode.Created, fromOwnPage.StatusCode);
        await ProblemAsync(browser.SendAsync(CreateOrg($"http://{otherClientHost}", host)), HttpStatusCode.Forbidden, "csrf.origin_mismatch");
        await ProblemAsync(browser.SendAsync(CreateOrg($"http://{host}:9999", host)), HttpStatusCode.Forbidden, "csrf.origin_mismatch");
        await ProblemAsync(browser.SendAsync(CreateOrg($"http://{host}", "localhost")), HttpStatusCode.Forbidden, "csrf.origin_mismatch");   // not this request's host
    }
}
