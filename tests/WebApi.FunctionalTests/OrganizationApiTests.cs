using System.Net;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class OrganizationApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _owner = factory.As(ApiFactory.NewEmail("owner"));
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    [Fact]
    public async Task Creating_an_organization_answers_201_and_makes_the_caller_owner_with_a_default_team()
    {
        var slug = $"acme-{Guid.NewGuid():N}"[..20];

        using var response = await _owner.PostAsync("/api/orgs", new { name = "Acme", slug });
        var org = await _owner.ExpectAsync(Task.FromResult(response), HttpStatusCode.Created);

        var id = org.GetProperty("id").GetString();
        Assert.Equal($"/api/orgs/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(("Acme", slug, "free", "org_owner"), (org.GetProperty("name").GetString(), org.GetProperty("slug").GetString(),
            org.GetProperty("tier").GetString(), org.GetProperty("role").GetString()));
        var me = await _owner.ExpectAsync(_owner.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Contains(me.GetProperty("organizations").EnumerateArray(), o => o.GetProperty("id").GetString() == id && o.GetProperty("role").GetString() == "org_owner");
        var teams = await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{id}/teams"), HttpStatusCode.OK);
        var team = Assert.Single(teams.GetProperty("items").EnumerateArray());
        Assert.True(team.GetProperty("isDefault").GetBoolean());
        Assert.Equal(org.GetProperty("defaultTeamId").GetString(), team.GetProperty("id").GetString());
        Assert.Equal("team_admin", team.GetProperty("role").GetString());
    }

    [Fact]
    public async Task The_slug_is_derived_from_the_name_when_omitted()
    {
        var name = $"Derived {Guid.NewGuid():N}"[..20];

        var org = await _owner.ExpectAsync(_owner.PostAsync("/api/orgs", new { name }), HttpStatusCode.Created);

        Assert.Equal(name.ToLowerInvariant().Replace(' ', '-'), org.GetProperty("slug").GetString());
    }

    [Fact]
    public async Task A_taken_slug_answers_409_with_its_code()
    {
        var (id, _) = await _owner.CreateOrgAsync();
        var slug = (await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{id}"), HttpStatusCode.OK)).GetProperty("slug").GetString();

        await ProblemAsync(factory.As(ApiFactory.NewEmail("other")).PostAsync("/api/orgs", new { name = "Copy", slug }), HttpStatusCode.Conflict, "org.slug_taken");
    }

    [Theory]
    [InlineData("""{"slug":"valid-slug"}""", "name")]
    [InlineData("""{"name":"","slug":"valid-slug"}""", "name")]
    [InlineData("""{"name":"Acme","slug":"Not Valid"}""", "slug")]
    [InlineData("""{"name":"Acme","slug":"-x-"}""", "slug")]
    [InlineData("""{"name":42}""", "name")]
    [InlineData("""{"name":"Acme","slug":["a"]}""", "slug")]
    [InlineData("""{"name":{"first":"A"}}""", "name")]
    [InlineData("""{"name":"Acme""", "name")]
    [InlineData("""[]""", "body")]
    [InlineData("""null""", "body")]
    [InlineData("""42""", "body")]
    [InlineData("not json", "body")]
    public async Task Bad_bodies_answer_400_naming_the_field(string body, string field) =>
        await ValidationProblemAsync(_owner.SendRawAsync(HttpMethod.Post, "/api/orgs", body), field);

    [Fact]
    public async Task Over_long_names_answer_400_naming_the_field() =>
        await ValidationProblemAsync(_owner.PostAsync("/api/orgs", new { name = new string('n', 101), slug = "long-name" }), "name");

    [Fact]
    public async Task The_list_holds_only_the_callers_organizations_and_pages()
    {
        var me = factory.As(ApiFactory.NewEmail("lister"));
        for (var i = 0; i < 3; i++) await me.CreateOrgAsync($"Org {i}");
        await factory.As(ApiFactory.NewEmail("someone")).CreateOrgAsync("Not mine");

        var page = await me.ExpectAsync(me.GetAsync("/api/orgs?page=2&pageSize=2"), HttpStatusCode.OK);
        var full = await me.ExpectAsync(me.GetAsync("/api/orgs?page=1&pageSize=2"), HttpStatusCode.OK);   // a full page with more after it

        Assert.Equal((3, 2, 2), (page.GetProperty("total").GetInt32(), page.GetProperty("page").GetInt32(), page.GetProperty("pageSize").GetInt32()));
        Assert.Equal("Org 2", Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal((3, 2), (full.GetProperty("total").GetInt32(), full.GetProperty("items").GetArrayLength()));
        await ValidationProblemAsync(me.GetAsync("/api/orgs?pageSize=1000"), "pageSize");
        await ValidationProblemAsync(me.GetAsync("/api/orgs?page=zero"), "page");
    }

    [Fact]
    public async Task Owners_and_admins_rename_members_cannot_strangers_get_404()
    {
        var (id, _) = await _owner.CreateOrgAsync();
        var member = await factory.SignedUpAsync("member");
        var orgAdmin = await factory.SignedUpAsync("orgadmin");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{id}/members", new { email = member.Email, role = "org_member" }), HttpStatusCode.Created);
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{id}/members", new { email = orgAdmin.Email, role = "org_admin" }), HttpStatusCode.Created);

        var renamed = await orgAdmin.ExpectAsync(orgAdmin.PatchAsync($"/api/orgs/{id}", new { name = "Renamed" }), HttpStatusCode.OK);
        Assert.Equal("Renamed", renamed.GetProperty("name").GetString());

        await ProblemAsync(member.PatchAsync($"/api/orgs/{id}", new { name = "Mine" }), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(factory.As(ApiFactory.NewEmail("eve")).PatchAsync($"/api/orgs/{id}", new { name = "Mine" }), HttpStatusCode.NotFound);
        await ValidationProblemAsync(_owner.PatchAsync($"/api/orgs/{id}", new { name = "   " }), "name");
        Assert.Equal("Renamed", (await member.ExpectAsync(member.GetAsync($"/api/orgs/{id}"), HttpStatusCode.OK)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Only_an_owner_deletes_and_afterwards_the_organization_is_gone()
    {
        var (id, teamId) = await _owner.CreateOrgAsync();
        var orgAdmin = await factory.SignedUpAsync("orgadmin");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{id}/members", new { email = orgAdmin.Email, role = "org_admin" }), HttpStatusCode.Created);

        await ProblemAsync(orgAdmin.DeleteAsync($"/api/orgs/{id}"), HttpStatusCode.Forbidden, "permission.denied");
        await _owner.ExpectAsync(_owner.DeleteAsync($"/api/orgs/{id}"), HttpStatusCode.NoContent);

        await ProblemAsync(_owner.GetAsync($"/api/orgs/{id}"), HttpStatusCode.NotFound, "organization.not_found");
        await ProblemAsync(_owner.GetAsync($"/api/teams/{teamId}"), HttpStatusCode.NotFound, "team.not_found");
        await ProblemAsync(_owner.DeleteAsync($"/api/orgs/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Platform_admins_set_the_plan_owners_cannot_and_strangers_get_404()
    {
        var (id, _) = await _owner.CreateOrgAsync();

        await ProblemAsync(_owner.PutAsync($"/api/orgs/{id}/plan", new { plan = "business" }), HttpStatusCode.Forbidden, "platform.admin_required");
        await ProblemAsync(factory.As(ApiFactory.NewEmail("eve")).PutAsync($"/api/orgs/{id}/plan", new { plan = "business" }), HttpStatusCode.NotFound);
        await ValidationProblemAsync(_admin.PutAsync($"/api/orgs/{id}/plan", new { plan = "gold" }), "plan");
        await ProblemAsync(_admin.PutAsync($"/api/orgs/{Guid.NewGuid()}/plan", new { plan = "business" }), HttpStatusCode.NotFound);
        var org = await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{id}/plan", new { plan = "business" }), HttpStatusCode.OK);

        Assert.Equal("business", org.GetProperty("tier").GetString());
        Assert.Equal(10, org.GetProperty("limits").GetProperty("maxMembersPerTeam").GetInt32());
        Assert.Equal("business", (await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{id}"), HttpStatusCode.OK)).GetProperty("tier").GetString());
    }
}
