using System.Net;
using System.Text.Json;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class TemplateApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);
    private const string Spec = TenantResources.Spec;

    private async Task<(string Org, string Team, Api Owner)> OrgAsync(string plan)
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        if (plan != "free") await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan }), HttpStatusCode.OK);
        return (org, team, owner);
    }

    private static string[] Names(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();

    private static Task<HttpResponseMessage> Create(Api api, string? team, string name, string visibility, string spec = Spec) =>
        api.PostAsync("/api/templates", new { teamId = team, name, visibility, spec, description = "test" });

    [Fact]
    public async Task System_templates_are_seeded_and_visible_to_everyone()
    {
        var (_, team, owner) = await OrgAsync("free");

        var names = Names(await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}"), HttpStatusCode.OK));

        Assert.Subset(names.ToHashSet(), new HashSet<string> { "Static site", "Web app + PostgreSQL", "Web app + Redis cache" });
        var stranger = factory.As(ApiFactory.NewEmail("anyone"));
        Assert.Contains("Static site", Names(await stranger.ExpectAsync(stranger.GetAsync("/api/templates"), HttpStatusCode.OK)));
    }

    [Fact]
    public async Task A_template_shows_its_settings_services_and_spec()
    {
        var (_, team, owner) = await OrgAsync("free");
        var id = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Web app + PostgreSQL").GetProperty("id").GetString();

        var template = await owner.ExpectAsync(owner.GetAsync($"/api/templates/{id}"), HttpStatusCode.OK);

        var password = template.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "POSTGRES_PASSWORD");
        Assert.True(password.GetProperty("required").GetBoolean() && password.GetProperty("secret").GetBoolean());
        Assert.Equal(["app", "db"], template.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Contains("postgres:16-alpine", template.GetProperty("spec").GetString());
        Assert.False(template.GetProperty("canEdit").GetBoolean());
    }

    [Fact]
    public async Task Free_organizations_may_not_have_templates_of_their_own()
    {
        var (_, team, owner) = await OrgAsync("free");

        await ProblemAsync(Create(owner, team, "Mine", "team"), HttpStatusCode.Conflict, "tier.custom_templates");
        await ProblemAsync(Create(owner, team, "Mine", "private"), HttpStatusCode.Conflict, "tier.custom_templates");
    }

    [Fact]
    public async Task Business_allows_private_and_team_templates_but_not_org_wide_ones()
    {
        var (_, team, owner) = await OrgAsync("business");

        await owner.ExpectAsync(Create(owner, team, "Team one", "team"), HttpStatusCode.Created);
        await owner.ExpectAsync(Create(owner, team, "Mine only", "private"), HttpStatusCode.Created);
        await ProblemAsync(Create(owner, team, "Everyone", "org"), HttpStatusCode.Conflict, "tier.org_templates");
        await ProblemAsync(Create(owner, team, "Sys", "system"), HttpStatusCode.Forbidden, "platform.admin_required");
    }

    [Fact]
    public async Task A_private_template_is_invisible_to_teammates_and_a_team_template_to_other_teams()
    {
        var (org, team, owner) = await OrgAsync("enterprise");
        var other = (await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Other" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var mate = await factory.SignedUpAsync("mate");
        var outsider = await factory.SignedUpAsync("outsider");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = mate.Email, role = "developer" }), HttpStatusCode.Created);
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{other}/members", new { email = outsider.Email, role = "developer" }), HttpStatusCode.Created);
        var privateId = (await owner.ExpectAsync(Create(owner, team, "Owner private", "private"), HttpStatusCode.Created)).GetProperty("id").GetString();
        var teamId = (await owner.ExpectAsync(Create(owner, team, "Team shared", "team"), HttpStatusCode.Created)).GetProperty("id").GetString();
        await owner.ExpectAsync(Create(owner, team, "Org wide", "org"), HttpStatusCode.Created);

        var mateSees = Names(await mate.ExpectAsync(mate.GetAsync($"/api/templates?teamId={team}"), HttpStatusCode.OK));
        var outsiderSees = Names(await outsider.ExpectAsync(outsider.GetAsync($"/api/templates?teamId={other}"), HttpStatusCode.OK));

        Assert.Contains("Team shared", mateSees);
        Assert.Contains("Org wide", mateSees);
        Assert.DoesNotContain("Owner private", mateSees);
        Assert.DoesNotContain("Team shared", outsiderSees);
        Assert.Contains("Org wide", outsiderSees);
        Assert.Contains("Static site", outsiderSees);
        await ProblemAsync(mate.GetAsync($"/api/templates/{privateId}"), HttpStatusCode.NotFound, "template.not_found");
        await ProblemAsync(outsider.GetAsync($"/api/templates/{teamId}"), HttpStatusCode.NotFound, "template.not_found");
        await ProblemAsync(outsider.GetAsync($"/api/templates?teamId={team}"), HttpStatusCode.Forbidden);
        Assert.Contains("Owner private", Names(await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}"), HttpStatusCode.OK)));
    }

    [Fact]
    public async Task Invalid_yaml_answers_400_with_the_line_and_the_field()
    {
        var (_, team, owner) = await OrgAsync("business");
        const string broken = "services:\n  - name: web\n    image: nginx\n    ports:\n      - { name: http, port: 99999 }\n    replica: 2\n";

        var problem = await ProblemAsync(Create(owner, team, "Broken", "team", broken), HttpStatusCode.BadRequest, "template.invalid_spec");

        var errors = problem.GetProperty("specErrors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("path").GetString())).ToList();
        Assert.Equal([(5, "services[0].ports[0].port"), (6, "services[0].replica")], errors);
        Assert.Contains("line 5", problem.GetProperty("errors").GetProperty("spec")[0].GetString());
        await ProblemAsync(Create(owner, team, "Syntax", "team", "services: [\n  - name: web\n"), HttpStatusCode.BadRequest, "template.invalid_spec");
    }

    [Fact]
    public async Task Editing_makes_a_new_version_and_old_versions_stay_readable()
    {
        var (_, team, owner) = await OrgAsync("business");
        var id = (await owner.ExpectAsync(Create(owner, team, "Versioned", "team"), HttpStatusCode.Created)).GetProperty("id").GetString();

        var updated = await owner.ExpectAsync(owner.PutAsync($"/api/templates/{id}", new { spec = Spec.Replace("nginx:1.27", "nginx:1.28") }), HttpStatusCode.OK);

        Assert.Equal((2, 2), (updated.GetProperty("currentVersion").GetInt32(), updated.GetProperty("version").GetInt32()));
        Assert.Equal([2, 1], updated.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("number").GetInt32()));
        var first = await owner.ExpectAsync(owner.GetAsync($"/api/templates/{id}?version=1"), HttpStatusCode.OK);
        Assert.Contains("nginx:1.27", first.GetProperty("spec").GetString());
        await ProblemAsync(owner.GetAsync($"/api/templates/{id}?version=9"), HttpStatusCode.NotFound);
        await ProblemAsync(owner.PutAsync($"/api/templates/{id}", new { spec = "services: []" }), HttpStatusCode.BadRequest, "template.invalid_spec");
    }

    [Fact]
    public async Task Only_those_who_may_edit_a_template_change_or_delete_it()
    {
        var (_, team, owner) = await OrgAsync("business");
        var viewer = await factory.SignedUpAsync("viewer");
        var developer = await factory.SignedUpAsync("dev");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = developer.Email, role = "developer" }), HttpStatusCode.Created);
        var ownersTemplate = (await owner.ExpectAsync(Create(owner, team, "By owner", "team"), HttpStatusCode.Created)).GetProperty("id").GetString();
        var devsTemplate = (await developer.ExpectAsync(Create(developer, team, "By dev", "team"), HttpStatusCode.Created)).GetProperty("id").GetString();
        var system = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK)).GetProperty("items")[0].GetProperty("id").GetString();

        await ProblemAsync(viewer.PutAsync($"/api/templates/{ownersTemplate}", new { spec = Spec }), HttpStatusCode.Forbidden, "template.edit_denied");
        await ProblemAsync(developer.PutAsync($"/api/templates/{ownersTemplate}", new { spec = Spec }), HttpStatusCode.Forbidden, "template.edit_denied");
        await ProblemAsync(owner.PutAsync($"/api/templates/{system}", new { spec = Spec }), HttpStatusCode.Forbidden, "template.edit_denied");
        await ProblemAsync(viewer.PostAsync("/api/templates", new { teamId = team, name = "V", visibility = "team", spec = Spec }), HttpStatusCode.Forbidden);
        await developer.ExpectAsync(developer.PutAsync($"/api/templates/{devsTemplate}", new { spec = Spec }), HttpStatusCode.OK);
        await owner.ExpectAsync(owner.DeleteAsync($"/api/templates/{devsTemplate}"), HttpStatusCode.NoContent);
        await ProblemAsync(owner.GetAsync($"/api/templates/{devsTemplate}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_template_in_use_cannot_be_deleted_and_names_are_unique_in_an_organization()
    {
        var (_, team, owner) = await OrgAsync("business");
        var (template, _) = await TenantResources.TemplateAndDeploymentAsync(owner, team);
        var name = (await owner.ExpectAsync(owner.GetAsync($"/api/templates/{template}"), HttpStatusCode.OK)).GetProperty("name").GetString()!;

        await ProblemAsync(owner.DeleteAsync($"/api/templates/{template}"), HttpStatusCode.Conflict, "template.in_use");
        await ProblemAsync(Create(owner, team, name.ToUpperInvariant(), "private"), HttpStatusCode.Conflict, "template.name_taken");
    }

    [Fact]
    public async Task Platform_admins_publish_system_templates()
    {
        var name = $"Sys {Guid.NewGuid():N}"[..12];

        var created = await _admin.ExpectAsync(Create(_admin, null, name, "system"), HttpStatusCode.Created);

        Assert.Equal("system", created.GetProperty("visibility").GetString());
        Assert.True(created.GetProperty("canEdit").GetBoolean());
        await ProblemAsync(Create(_admin, null, name, "system"), HttpStatusCode.Conflict, "template.name_taken");
        await ValidationProblemAsync(Create(_admin, null, "No team", "team"), "teamId");
        await ValidationProblemAsync(Create(_admin, null, "Bad", "public"), "visibility");
    }

    [Theory]
    [InlineData("# nothing but a comment\n")]
    [InlineData("# one\n\n# two\n")]
    public async Task A_spec_of_comments_only_is_a_400_not_a_500(string spec)
    {
        var (_, team, owner) = await OrgAsync("business");

        var problem = await ProblemAsync(Create(owner, team, "Comments", "team", spec), HttpStatusCode.BadRequest, "template.invalid_spec");

        Assert.Contains("empty", problem.GetProperty("errors").GetProperty("spec")[0].GetString());
        var id = (await owner.ExpectAsync(Create(owner, team, "Fine", "team"), HttpStatusCode.Created)).GetProperty("id").GetString();
        await ProblemAsync(owner.PutAsync($"/api/templates/{id}", new { spec }), HttpStatusCode.BadRequest, "template.invalid_spec");
    }

    [Fact]
    public async Task A_template_whose_defaults_render_past_the_limit_is_refused_with_422()
    {
        var (_, team, owner) = await OrgAsync("business");
        var spec = "services:\n  - name: web\n    image: nginx:1.27\n    env:\n      - { name: X, default: \"" + new string('d', 4096) + "\" }\n"
            + "    configFiles:\n      - path: /etc/app.conf\n        content: \"" + string.Concat(Enumerable.Repeat("{{X}}", 100)) + "\"\n";

        var problem = await ProblemAsync(Create(owner, team, "Amplified", "team", spec), (HttpStatusCode)422, "render.file_too_large");

        Assert.Contains("services[0].configFiles[0].content", problem.GetProperty("errors").GetProperty("spec")[0].GetString());
        await owner.ExpectAsync(Create(owner, team, "Bounded", "team", spec.Replace(string.Concat(Enumerable.Repeat("{{X}}", 100)), "{{X}}")), HttpStatusCode.Created);
    }
}
