using System.Net;
using System.Net.Http.Json;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>A team template and a deployment of it, so that route sweeps reach template and deployment routes.</summary>
public static class TenantResources
{
    public const string Spec = "services:\n  - name: web\n    image: nginx:1.27\n    ports:\n      - { name: http, port: 80, public: true }\n";

    public static async Task<(string Template, string Deployment)> TemplateAndDeploymentAsync(Api owner, string team)
    {
        var template = await owner.ExpectAsync(owner.PostAsync("/api/templates",
            new { teamId = team, name = $"Tpl {Guid.NewGuid():N}"[..12], visibility = "team", spec = Spec }), HttpStatusCode.Created);
        var deployment = await owner.ExpectAsync(owner.PostAsync("/api/deployments",
            new { teamId = team, name = $"d{Guid.NewGuid():N}"[..12], templateId = template.GetProperty("id").GetString() }), HttpStatusCode.Created);
        return (template.GetProperty("id").GetString()!, deployment.GetProperty("id").GetString()!);
    }

    /// <summary>An unfinished task and workflow of the team (on a plan with room for two).</summary>
    public static async Task<(string Task, string Workflow)> TaskAndWorkflowAsync(Api owner, string team)
    {
        var task = await owner.ExpectAsync(owner.PostAsync("/api/tasks", new { teamId = team, image = "busybox:1.36" }), HttpStatusCode.Created);
        var workflow = await owner.ExpectAsync(owner.PostAsync("/api/workflows",
            new { teamId = team, steps = new[] { new { name = "one", task = new { image = "busybox:1.36" } } } }), HttpStatusCode.Created);
        return (task.GetProperty("id").GetString()!, workflow.GetProperty("id").GetString()!);
    }

    /// <summary>A pending invitation to the team (on a plan with room in it).</summary>
    public static async Task<string> InvitationAsync(Api owner, string team) =>
        (await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/invitations", new { email = ApiFactory.NewEmail("invited"), role = "viewer" }),
            HttpStatusCode.Created)).GetProperty("id").GetString()!;
}

/// <summary>Another tenant's resources answer 404 on every endpoint, for every method, and nothing changes.</summary>
public sealed class CrossTenantTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_stranger_gets_404_on_every_endpoint_that_names_another_tenants_resource()
    {
        var owner = factory.As(ApiFactory.NewEmail("victim"));
        var admin = factory.As(ApiFactory.PlatformAdmin);
        var (org, team) = await owner.CreateOrgAsync("Victim Inc");
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        var ownerId = await owner.UserIdAsync();
        var (template, deployment) = await TenantResources.TemplateAndDeploymentAsync(owner, team);
        var invitation = await TenantResources.InvitationAsync(owner, team);
        var stranger = factory.As(ApiFactory.NewEmail("attacker"));
        await stranger.CreateOrgAsync("Attacker Inc");   // a tenant of their own, with roles that must not carry over
        var before = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/members"), HttpStatusCode.OK);
        var (task, workflow) = await TenantResources.TaskAndWorkflowAsync(owner, team);
        var ids = new Ids(org, team, ownerId, template, deployment, invitation, task, workflow);

        var routes = RouteCatalog.ApiRoutes(factory.Services).Where(r => r.IsTenantResource).ToList();
        Assert.True(routes.Count >= 27, $"expected the tenant routes, found: {string.Join(", ", routes)}");
        foreach (var route in routes)
        {
            var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(ids));
            if (route.HasBody) request.Content = JsonContent.Create(route.ValidBody());

            var problem = await ProblemAsync(stranger.Http.SendAsync(request), HttpStatusCode.NotFound);

            Assert.DoesNotContain("Victim", problem.ToString());
        }

        var after = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/members"), HttpStatusCode.OK);
        Assert.Equal(before.ToString(), after.ToString());
        Assert.Equal("Victim Inc", (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}"), HttpStatusCode.OK)).GetProperty("name").GetString());
        var mine = await stranger.ExpectAsync(stranger.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.DoesNotContain(org, mine.ToString());
        Assert.DoesNotContain(team, mine.ToString());
        Assert.Equal("running", (await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{deployment}"), HttpStatusCode.OK)).GetProperty("state").GetString());
        Assert.Equal("Pending", (await owner.ExpectAsync(owner.GetAsync($"/api/tasks/{task}"), HttpStatusCode.OK)).GetProperty("phase").GetString());
        Assert.Equal("Pending", (await owner.ExpectAsync(owner.GetAsync($"/api/workflows/{workflow}"), HttpStatusCode.OK)).GetProperty("phase").GetString());
        var theirTemplates = await stranger.ExpectAsync(stranger.GetAsync("/api/templates"), HttpStatusCode.OK);
        Assert.DoesNotContain(template, theirTemplates.ToString());
        await Api.ProblemAsync(stranger.GetAsync($"/api/templates?teamId={team}"), HttpStatusCode.NotFound);
        await Api.ProblemAsync(stranger.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_viewer_reads_every_resource_of_their_team_and_is_refused_every_change()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var admin = factory.As(ApiFactory.PlatformAdmin);
        var (org, team) = await owner.CreateOrgAsync("Readers Inc");
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        var viewer = await factory.SignedUpAsync("viewer");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);
        var ownerId = await owner.UserIdAsync();
        var (template, deployment) = await TenantResources.TemplateAndDeploymentAsync(owner, team);
        var (task, workflow) = await TenantResources.TaskAndWorkflowAsync(owner, team);
        var ids = new Ids(org, team, ownerId, template, deployment, await TenantResources.InvitationAsync(owner, team), task, workflow);
        var routes = RouteCatalog.ApiRoutes(factory.Services).Where(r => r.IsTenantResource).ToList();

        foreach (var route in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Fill(ids));
            if (route.HasBody) request.Content = JsonContent.Create(route.ValidBody());
            if (route.Pattern.EndsWith("/logs", StringComparison.Ordinal) || route.Pattern.EndsWith("/metrics", StringComparison.Ordinal))   // allowed: this server has no cluster, so the answer after authorization is 503
            {
                await ProblemAsync(viewer.Http.SendAsync(request), HttpStatusCode.ServiceUnavailable, "cluster.disabled");
            }
            else if (route.Method == "GET" && !route.Pattern.EndsWith("/audit", StringComparison.Ordinal)   // the audit log is for owners and admins,
                     && !route.Pattern.EndsWith("/invitations", StringComparison.Ordinal))                        // invitations for those who manage members
            {
                using var response = await viewer.Http.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else
            {
                await ProblemAsync(viewer.Http.SendAsync(request), HttpStatusCode.Forbidden);
            }
        }

        Assert.Equal(2, (await owner.ExpectAsync(owner.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
        Assert.Equal("Readers Inc", (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}"), HttpStatusCode.OK)).GetProperty("name").GetString());
        Assert.Equal("running", (await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{deployment}"), HttpStatusCode.OK)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_owner_of_one_organization_cannot_reach_another_organizations_team_through_their_own_ids()
    {
        var alice = factory.As(ApiFactory.NewEmail("alice"));
        var bob = factory.As(ApiFactory.NewEmail("bob"));
        var (_, aliceTeam) = await alice.CreateOrgAsync("Alice Org");
        var (bobOrg, _) = await bob.CreateOrgAsync("Bob Org");

        await ProblemAsync(bob.GetAsync($"/api/teams/{aliceTeam}"), HttpStatusCode.NotFound);
        await ProblemAsync(bob.GetAsync($"/api/orgs/{bobOrg}/members/{await alice.UserIdAsync()}"), HttpStatusCode.MethodNotAllowed);
        await ProblemAsync(bob.DeleteAsync($"/api/orgs/{bobOrg}/members/{await alice.UserIdAsync()}"), HttpStatusCode.NotFound, "member.not_found");
        await ProblemAsync(bob.PatchAsync($"/api/teams/{aliceTeam}/members/{await bob.UserIdAsync()}", new { role = "team_admin" }), HttpStatusCode.NotFound);
    }
}
