using System.Net;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class PlanApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);
    private readonly Api _owner = factory.As(ApiFactory.NewEmail("owner"));

    [Fact]
    public async Task Everyone_sees_the_three_default_plans_with_the_designs_limits()
    {
        var plans = await _owner.ExpectAsync(_owner.GetAsync("/api/plans"), HttpStatusCode.OK);

        var byCode = plans.EnumerateArray().ToDictionary(p => p.GetProperty("code").GetString()!);
        Assert.Equal(1, byCode["free"].GetProperty("limits").GetProperty("maxDeployments").GetInt32());
        Assert.Equal(10, byCode["business"].GetProperty("limits").GetProperty("maxMembersPerTeam").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, byCode["enterprise"].GetProperty("limits").GetProperty("maxDeployments").ValueKind);
        Assert.Equal("16Gi", byCode["business"].GetProperty("quota").GetProperty("memory").GetString());
    }

    [Fact]
    public async Task A_new_organization_is_on_free_and_its_usage_shows_each_limit_beside_its_use()
    {
        var (org, team) = await _owner.CreateOrgAsync();

        var usage = await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{org}/usage"), HttpStatusCode.OK);

        Assert.Equal("free", usage.GetProperty("plan").GetProperty("tier").GetString());
        Assert.Equal((0, 1), (usage.GetProperty("deployments").GetProperty("used").GetInt32(), usage.GetProperty("deployments").GetProperty("limit").GetInt32()));
        var teamUse = Assert.Single(usage.GetProperty("membersPerTeam").EnumerateArray());
        Assert.Equal((team, 1, 1), (teamUse.GetProperty("teamId").GetString(), teamUse.GetProperty("members").GetInt32(), teamUse.GetProperty("limit").GetInt32()));
        Assert.Equal(("shared", false), (usage.GetProperty("networkIsolation").GetString(), usage.GetProperty("customTemplates").GetBoolean()));
        await ProblemAsync(factory.As(ApiFactory.NewEmail("eve")).GetAsync($"/api/orgs/{org}/usage"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Admins_define_a_plan_with_overrides_move_an_organization_onto_it_and_revise_it()
    {
        var code = $"team-plus-{Guid.NewGuid():N}"[..20];
        var plan = await _admin.ExpectAsync(_admin.PostAsync("/api/plans",
            new { code, name = "Team Plus", tier = "business", limits = new { maxMembersPerTeam = 2 } }), HttpStatusCode.Created);
        Assert.Equal(5, plan.GetProperty("limits").GetProperty("maxDeployments").GetInt32());   // the tier default stays
        var (org, team) = await _owner.CreateOrgAsync();

        var moved = await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan = code }), HttpStatusCode.OK);
        Assert.Equal(("Team Plus", 2), (moved.GetProperty("plan").GetProperty("name").GetString(), moved.GetProperty("limits").GetProperty("maxMembersPerTeam").GetInt32()));
        await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = (await factory.SignedUpAsync("a")).Email, role = "viewer" }), HttpStatusCode.Created);
        await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = (await factory.SignedUpAsync("b")).Email, role = "viewer" }), HttpStatusCode.Conflict, "tier.team_member_limit");

        await _admin.ExpectAsync(_admin.PutAsync($"/api/plans/{plan.GetProperty("id").GetString()}",
            new { name = "Team Plus", limits = new { maxMembersPerTeam = 3 } }), HttpStatusCode.OK);
        await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = (await factory.SignedUpAsync("c")).Email, role = "viewer" }), HttpStatusCode.Created);

        var byId = await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan = plan.GetProperty("id").GetString() }), HttpStatusCode.OK);
        Assert.Equal(3, byId.GetProperty("limits").GetProperty("maxMembersPerTeam").GetInt32());
    }

    [Fact]
    public async Task Only_platform_admins_manage_plans_and_bad_plans_name_the_field()
    {
        await ProblemAsync(_owner.PostAsync("/api/plans", new { code = "mine", name = "Mine", tier = "enterprise" }), HttpStatusCode.Forbidden, "platform.admin_required");
        await ProblemAsync(_owner.PutAsync($"/api/plans/{Guid.NewGuid()}", new { name = "Mine" }), HttpStatusCode.Forbidden, "platform.admin_required");

        await ValidationProblemAsync(_admin.PostAsync("/api/plans", new { code = "Bad Code", name = "x", tier = "free" }), "code");
        await ValidationProblemAsync(_admin.PostAsync("/api/plans", new { code = "ok-code", name = "x", tier = "gold" }), "tier");
        await ValidationProblemAsync(_admin.PostAsync("/api/plans", new { code = "ok-code", name = "x", tier = "free", limits = new { maxMembersPerTeam = 0 } }), "limits.maxMembersPerTeam");
        await ValidationProblemAsync(_admin.PostAsync("/api/plans", new { code = "ok-code", name = "x", tier = "free", limits = new { quota = new { cpu = "lots", memory = "1Gi", pods = 3 } } }), "limits.quota.cpu");
        await ProblemAsync(_admin.PostAsync("/api/plans", new { code = "free", name = "Again", tier = "free" }), HttpStatusCode.Conflict, "plan.code_taken");
        await ProblemAsync(_admin.PutAsync($"/api/plans/{Guid.NewGuid()}", new { name = "Gone" }), HttpStatusCode.NotFound, "plan.not_found");
        var (org, _) = await _owner.CreateOrgAsync();
        await ValidationProblemAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "no-such-plan" }), "plan");
    }
}
