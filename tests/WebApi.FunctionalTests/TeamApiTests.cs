using System.Net;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class TeamApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _owner = factory.As(ApiFactory.NewEmail("owner"));

    [Fact]
    public async Task Owners_create_rename_and_delete_teams()
    {
        var (org, _) = await _owner.CreateOrgAsync();

        using var response = await _owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Platform" });
        var team = await _owner.ExpectAsync(Task.FromResult(response), HttpStatusCode.Created);
        var id = team.GetProperty("id").GetString();
        Assert.Equal($"/api/teams/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(("Platform", false, 0, "team_admin"), (team.GetProperty("name").GetString(), team.GetProperty("isDefault").GetBoolean(),
            team.GetProperty("memberCount").GetInt32(), team.GetProperty("role").GetString()));

        var renamed = await _owner.ExpectAsync(_owner.PatchAsync($"/api/teams/{id}", new { name = "Infra" }), HttpStatusCode.OK);
        Assert.Equal("Infra", renamed.GetProperty("name").GetString());

        await _owner.ExpectAsync(_owner.DeleteAsync($"/api/teams/{id}"), HttpStatusCode.NoContent);
        await ProblemAsync(_owner.GetAsync($"/api/teams/{id}"), HttpStatusCode.NotFound, "team.not_found");
    }

    [Fact]
    public async Task Team_names_are_unique_within_an_organization_ignoring_case()
    {
        var (org, defaultTeam) = await _owner.CreateOrgAsync();
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Web" }), HttpStatusCode.Created);

        await ProblemAsync(_owner.PostAsync($"/api/orgs/{org}/teams", new { name = "WEB" }), HttpStatusCode.Conflict, "team.name_taken");
        await ProblemAsync(_owner.PatchAsync($"/api/teams/{defaultTeam}", new { name = "web " }), HttpStatusCode.Conflict, "team.name_taken");
        var (other, _) = await _owner.CreateOrgAsync("Other");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{other}/teams", new { name = "Web" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_default_team_cannot_be_deleted()
    {
        var (_, team) = await _owner.CreateOrgAsync();

        await ProblemAsync(_owner.DeleteAsync($"/api/teams/{team}"), HttpStatusCode.Conflict, "team.default_team");
    }

    [Fact]
    public async Task Org_members_list_the_teams_but_only_team_members_and_admins_open_one()
    {
        var (org, _) = await _owner.CreateOrgAsync();
        var team = (await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Closed" }), HttpStatusCode.Created)).GetProperty("id").GetString();
        var member = await factory.SignedUpAsync("member");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = member.Email, role = "org_member" }), HttpStatusCode.Created);

        var list = await member.ExpectAsync(member.GetAsync($"/api/orgs/{org}/teams"), HttpStatusCode.OK);
        Assert.Equal(2, list.GetProperty("total").GetInt32());
        Assert.True(list.GetProperty("items")[0].GetProperty("isDefault").GetBoolean());

        await ProblemAsync(member.GetAsync($"/api/teams/{team}"), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(member.PostAsync($"/api/orgs/{org}/teams", new { name = "Mine" }), HttpStatusCode.Forbidden, "permission.denied");
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"name":""}""")]
    [InlineData("""{"name":null}""")]
    [InlineData("""{"name":true}""")]
    public async Task Bad_team_names_answer_400_naming_the_field(string body)
    {
        var (org, team) = await _owner.CreateOrgAsync();

        await ValidationProblemAsync(_owner.SendRawAsync(HttpMethod.Post, $"/api/orgs/{org}/teams", body), "name");
        await ValidationProblemAsync(_owner.SendRawAsync(HttpMethod.Patch, $"/api/teams/{team}", body), "name");
    }
}
