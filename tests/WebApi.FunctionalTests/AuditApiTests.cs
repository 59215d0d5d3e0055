using System.Net;
using System.Text.Json;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class AuditApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static IEnumerable<JsonElement> Items(JsonElement page) => page.GetProperty("items").EnumerateArray();

    [Fact]
    public async Task Every_change_is_recorded_with_who_what_which_resource_and_when()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var admin = factory.As(ApiFactory.PlatformAdmin);
        var (org, team) = await owner.CreateOrgAsync();
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        var bob = (await factory.SignedUpAsync("bob")).Email;
        var member = await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = bob, role = "developer" }), HttpStatusCode.Created);
        var (template, deployment) = await TenantResources.TemplateAndDeploymentAsync(owner, team);
        await owner.ExpectAsync(owner.Http.PostAsync($"/api/deployments/{deployment}/stop", null), HttpStatusCode.OK);

        var log = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/audit"), HttpStatusCode.OK);

        var actions = Items(log).Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["deployment.stopped", "deployment.launched", "template.created", "team_member.added", "member.added",   // bob joins the org, then the team
            "subscription.plan_changed", "team_member.added", "team.created", "organization.founded"], actions);
        var stopped = Items(log).First();
        Assert.Equal((owner.Email, "deployment", deployment), (stopped.GetProperty("actor").GetProperty("email").GetString(),
            stopped.GetProperty("resourceType").GetString(), stopped.GetProperty("resourceId").GetString()));
        Assert.True(DateTimeOffset.UtcNow - stopped.GetProperty("occurredAt").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        var plan = Items(log).Single(e => e.GetProperty("action").GetString() == "subscription.plan_changed");
        Assert.Equal((ApiFactory.PlatformAdmin, "business"), (plan.GetProperty("actor").GetProperty("email").GetString(), plan.GetProperty("details").GetProperty("to").GetString()));
        var added = Items(log).First(e => e.GetProperty("action").GetString() == "team_member.added");
        Assert.Equal(member.GetProperty("userId").GetString(), added.GetProperty("resourceId").GetString());
        Assert.Equal(template, Items(log).Single(e => e.GetProperty("action").GetString() == "template.created").GetProperty("resourceId").GetString());
    }

    [Fact]
    public async Task The_log_pages_filters_and_belongs_to_owners_and_admins_only()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, _) = await owner.CreateOrgAsync();
        for (var i = 0; i < 3; i++) await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/teams", new { name = $"Team {i}" }), HttpStatusCode.Created);
        var member = await factory.SignedUpAsync("member");
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/members", new { email = member.Email, role = "org_member" }), HttpStatusCode.Created);

        var teams = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/audit?action=team&pageSize=2"), HttpStatusCode.OK);
        Assert.Equal((4, 2), (teams.GetProperty("total").GetInt32(), Items(teams).Count()));
        Assert.All(Items(teams), e => Assert.StartsWith("team", e.GetProperty("action").GetString()));
        var created = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/audit?action=team.created"), HttpStatusCode.OK);
        Assert.Equal(4, created.GetProperty("total").GetInt32());   // the default team and three more

        await ProblemAsync(member.GetAsync($"/api/orgs/{org}/audit"), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(factory.As(ApiFactory.NewEmail("eve")).GetAsync($"/api/orgs/{org}/audit"), HttpStatusCode.NotFound);
        await ValidationProblemAsync(owner.GetAsync($"/api/orgs/{org}/audit?action=DROP TABLE"), "action");
    }

    [Fact]
    public async Task A_refused_change_records_nothing()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        var before = (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/audit"), HttpStatusCode.OK)).GetProperty("total").GetInt32();

        var extra = await factory.SignedUpAsync("x");
        await ProblemAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = extra.Email, role = "viewer" }), HttpStatusCode.Conflict, "tier.team_member_limit");

        Assert.Equal(before, (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/audit"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }
}
