using System.Net;
using System.Text.Json;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>White-label clients: branding by host, organizations scoped to their client, sessions bound to their host.</summary>
public sealed class ClientApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private async Task<(string Id, string Host)> ClientAsync(string color = "#112233")
    {
        var host = $"c{Guid.NewGuid():N}"[..12] + ".partner.test";
        var client = await _admin.ExpectAsync(_admin.PostAsync("/api/clients", new
        {
            name = "Partner", domains = new[] { host.ToUpperInvariant() }, branding = new { displayName = "Partner Cloud", logoUrl = "https://partner.test/logo.svg", primaryColor = color },
        }), HttpStatusCode.Created);
        Assert.Equal([host], client.GetProperty("domains").EnumerateArray().Select(d => d.GetString()));
        return (client.GetProperty("id").GetString()!, host);
    }

    private Api OnHost(string host, string email)
    {
        var api = factory.As(email);
        api.Http.DefaultRequestHeaders.Host = host;
        return api;
    }

    [Fact]
    public async Task Branding_follows_the_host()
    {
        var (id, host) = await ClientAsync("#aa00ff");

        var client = await factory.Anonymous().ExpectAsync(OnHost(host, "x@y.test").GetAsync("/api/branding"), HttpStatusCode.OK);
        var platform = await factory.Anonymous().ExpectAsync(factory.Anonymous().GetAsync("/api/branding"), HttpStatusCode.OK);

        Assert.Equal((id, "Partner Cloud", "#aa00ff"), (client.GetProperty("clientId").GetString(), client.GetProperty("displayName").GetString(),
            client.GetProperty("primaryColor").GetString()));
        Assert.Equal(("CleanScheduler", JsonValueKind.Null), (platform.GetProperty("displayName").GetString(), platform.GetProperty("clientId").ValueKind));
    }

    [Fact]
    public async Task A_clients_organizations_are_invisible_on_other_hosts_and_the_other_way_round()
    {
        var (_, host) = await ClientAsync();
        var email = ApiFactory.NewEmail("both");
        var onClient = OnHost(host, email);
        var onPlatform = factory.As(email);
        var (clientOrg, clientTeam) = await onClient.CreateOrgAsync("Client side");
        var (platformOrg, _) = await onPlatform.CreateOrgAsync("Platform side");

        var seenOnClient = await onClient.ExpectAsync(onClient.GetAsync("/api/me"), HttpStatusCode.OK);
        var seenOnPlatform = await onPlatform.ExpectAsync(onPlatform.GetAsync("/api/orgs"), HttpStatusCode.OK);

        Assert.Equal([clientOrg], seenOnClient.GetProperty("organizations").EnumerateArray().Select(o => o.GetProperty("id").GetString()));
        Assert.Equal([platformOrg], seenOnPlatform.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetString()));
        await ProblemAsync(onPlatform.GetAsync($"/api/orgs/{clientOrg}"), HttpStatusCode.NotFound);
        await ProblemAsync(onPlatform.GetAsync($"/api/teams/{clientTeam}"), HttpStatusCode.NotFound);
        await ProblemAsync(onClient.GetAsync($"/api/orgs/{platformOrg}"), HttpStatusCode.NotFound);
        await onClient.ExpectAsync(onClient.GetAsync($"/api/orgs/{clientOrg}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_session_made_on_one_host_is_not_valid_on_another()
    {
        var (_, host) = await ClientAsync();
        var onClient = factory.Anonymous();
        onClient.Http.DefaultRequestHeaders.Host = host;
        using var login = await onClient.Http.GetAsync("/auth/login?as=carol@partner.test");
        var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

        onClient.Http.DefaultRequestHeaders.Add("Cookie", cookie);
        var elsewhere = factory.Anonymous();
        elsewhere.Http.DefaultRequestHeaders.Add("Cookie", cookie);

        Assert.Equal("carol@partner.test", (await onClient.ExpectAsync(onClient.GetAsync("/api/me"), HttpStatusCode.OK)).GetProperty("user").GetProperty("email").GetString());
        Assert.Equal("dev@localhost", (await elsewhere.ExpectAsync(elsewhere.GetAsync("/api/me"), HttpStatusCode.OK)).GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Only_platform_admins_manage_clients_and_bad_input_names_the_field()
    {
        var (id, host) = await ClientAsync();
        var someone = factory.As(ApiFactory.NewEmail("someone"));

        await ProblemAsync(someone.GetAsync("/api/clients"), HttpStatusCode.Forbidden, "platform.admin_required");
        await ProblemAsync(someone.PostAsync("/api/clients", new { name = "X", branding = new { displayName = "X", primaryColor = "#000000" } }), HttpStatusCode.Forbidden);
        await ValidationProblemAsync(_admin.PostAsync("/api/clients", new { name = "X", domains = new[] { "not a host" }, branding = new { displayName = "X", primaryColor = "#000000" } }), "domains[0]");
        await ValidationProblemAsync(_admin.PostAsync("/api/clients", new { name = "X", branding = new { displayName = "X", primaryColor = "red" } }), "branding.primaryColor");
        await ValidationProblemAsync(_admin.PostAsync("/api/clients", new { name = "X", branding = new { displayName = "X", primaryColor = "#000000", logoUrl = "javascript:alert(1)" } }), "branding.logoUrl");
        await ValidationProblemAsync(_admin.PostAsync("/api/clients", new { name = "X" }), "branding");
        await ProblemAsync(_admin.PostAsync("/api/clients", new { name = "Copy", domains = new[] { host }, branding = new { displayName = "X", primaryColor = "#000000" } }),
            HttpStatusCode.Conflict, "client.domain_exists");

        var renamed = await _admin.ExpectAsync(_admin.PutAsync($"/api/clients/{id}", new { name = "Partner 2", domains = new[] { host, "www." + host }, branding = new { displayName = "P2", primaryColor = "#123456" } }), HttpStatusCode.OK);
        Assert.Equal(2, renamed.GetProperty("domains").GetArrayLength());
        Assert.Equal("P2", (await factory.Anonymous().ExpectAsync(OnHost("www." + host, "x@y.test").GetAsync("/api/branding"), HttpStatusCode.OK)).GetProperty("displayName").GetString());
        Assert.Contains(id, (await _admin.ExpectAsync(_admin.GetAsync("/api/clients"), HttpStatusCode.OK)).ToString());
    }

    [Fact]
    public async Task A_client_with_organizations_is_not_deleted()
    {
        var (id, host) = await ClientAsync();
        await OnHost(host, ApiFactory.NewEmail("owner")).CreateOrgAsync("Client org");
        var (emptyId, _) = await ClientAsync();

        await ProblemAsync(_admin.DeleteAsync($"/api/clients/{id}"), HttpStatusCode.Conflict, "client.has_organizations");
        await _admin.ExpectAsync(_admin.DeleteAsync($"/api/clients/{emptyId}"), HttpStatusCode.NoContent);
        await ProblemAsync(_admin.DeleteAsync($"/api/clients/{emptyId}"), HttpStatusCode.NotFound, "client.not_found");
    }
}
