using System.Net;
using System.Text.Json;
using Npgsql;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class MemberApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _owner = factory.As(ApiFactory.NewEmail("owner"));
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private Task SetPlanAsync(string orgId, string plan) => _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{orgId}/plan", new { plan }), HttpStatusCode.OK);

    private static string[] Emails(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("email").GetString()!).ToArray();

    [Fact]
    public async Task On_free_a_second_team_member_is_refused_naming_the_limit()
    {
        var (_, team) = await _owner.CreateOrgAsync();
        var bob = await factory.SignedUpAsync("bob");

        var problem = await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = bob.Email, role = "developer" }),
            HttpStatusCode.Conflict, "tier.team_member_limit");

        Assert.Contains("Free", problem.GetProperty("detail").GetString());
        Assert.Single((await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task On_business_members_are_added_re_roled_and_removed()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await SetPlanAsync(org, "business");
        var bob = await factory.SignedUpAsync("bob");

        using var created = await _owner.PostAsync($"/api/teams/{team}/members", new { email = bob.Email, role = "developer" });
        var added = await _owner.ExpectAsync(Task.FromResult(created), HttpStatusCode.Created);
        var bobId = added.GetProperty("userId").GetString();
        Assert.Equal($"/api/teams/{team}/members/{bobId}", created.Headers.Location?.OriginalString);
        Assert.Equal(bobId, await bob.UserIdAsync());   // the record made at add time is the one bob signs in as

        var changed = await _owner.ExpectAsync(_owner.PatchAsync($"/api/teams/{team}/members/{bobId}", new { role = "viewer" }), HttpStatusCode.OK);
        Assert.Equal("viewer", changed.GetProperty("role").GetString());
        var me = await bob.ExpectAsync(bob.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal("viewer", Assert.Single(me.GetProperty("teams").EnumerateArray()).GetProperty("role").GetString());
        Assert.Equal("org_member", Assert.Single(me.GetProperty("organizations").EnumerateArray()).GetProperty("role").GetString());

        await _owner.ExpectAsync(_owner.DeleteAsync($"/api/teams/{team}/members/{bobId}"), HttpStatusCode.NoContent);
        Assert.DoesNotContain(bob.Email, Emails(await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)));
        await ProblemAsync(_owner.DeleteAsync($"/api/teams/{team}/members/{bobId}"), HttpStatusCode.NotFound, "member.not_found");
    }

    [Fact]
    public async Task A_viewer_sees_the_team_but_cannot_manage_its_members()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await SetPlanAsync(org, "business");
        var viewer = await factory.SignedUpAsync("viewer");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);
        var ownerId = await _owner.UserIdAsync();

        var seen = await viewer.ExpectAsync(viewer.GetAsync($"/api/teams/{team}"), HttpStatusCode.OK);
        Assert.Equal("viewer", seen.GetProperty("role").GetString());
        Assert.DoesNotContain("team:manage_members", seen.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(2, Emails(await viewer.ExpectAsync(viewer.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)).Length);

        await ProblemAsync(viewer.PostAsync($"/api/teams/{team}/members", new { email = ApiFactory.NewEmail("x"), role = "viewer" }), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.PatchAsync($"/api/teams/{team}/members/{ownerId}", new { role = "viewer" }), HttpStatusCode.Forbidden);
        await ProblemAsync(viewer.DeleteAsync($"/api/teams/{team}/members/{ownerId}"), HttpStatusCode.Forbidden);
        await ProblemAsync(viewer.PatchAsync($"/api/teams/{team}", new { name = "Mine" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_team_admin_who_is_only_an_org_member_manages_the_team_but_not_the_org()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await SetPlanAsync(org, "business");
        var lead = await factory.SignedUpAsync("lead");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = lead.Email, role = "team_admin" }), HttpStatusCode.Created);

        await lead.ExpectAsync(lead.PostAsync($"/api/teams/{team}/members", new { email = (await factory.SignedUpAsync("dev")).Email, role = "developer" }), HttpStatusCode.Created);

        await ProblemAsync(lead.PostAsync($"/api/orgs/{org}/members", new { email = ApiFactory.NewEmail("x"), role = "org_admin" }), HttpStatusCode.Forbidden);
        await ProblemAsync(lead.PostAsync($"/api/orgs/{org}/teams", new { name = "New" }), HttpStatusCode.Forbidden);
        await ProblemAsync(lead.DeleteAsync($"/api/teams/{team}"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Removing_the_last_owner_answers_409_and_a_second_owner_makes_it_possible()
    {
        var (org, _) = await _owner.CreateOrgAsync();
        var ownerId = await _owner.UserIdAsync();

        await ProblemAsync(_owner.DeleteAsync($"/api/orgs/{org}/members/{ownerId}"), HttpStatusCode.Conflict, "org.last_owner");
        await ProblemAsync(_owner.PatchAsync($"/api/orgs/{org}/members/{ownerId}", new { role = "org_admin" }), HttpStatusCode.Conflict, "org.last_owner");

        var heir = await factory.SignedUpAsync("heir");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = heir.Email, role = "org_owner" }), HttpStatusCode.Created);
        await heir.ExpectAsync(heir.DeleteAsync($"/api/orgs/{org}/members/{ownerId}"), HttpStatusCode.NoContent);

        await ProblemAsync(_owner.GetAsync($"/api/orgs/{org}"), HttpStatusCode.NotFound);
        Assert.Equal([heir.Email], Emails(await heir.ExpectAsync(heir.GetAsync($"/api/orgs/{org}/members"), HttpStatusCode.OK)));
    }

    [Fact]
    public async Task An_org_admin_manages_members_but_cannot_touch_owners()
    {
        var (org, _) = await _owner.CreateOrgAsync();
        var orgAdmin = await factory.SignedUpAsync("orgadmin");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = orgAdmin.Email, role = "org_admin" }), HttpStatusCode.Created);
        var ownerId = await _owner.UserIdAsync();

        var added = await orgAdmin.ExpectAsync(orgAdmin.PostAsync($"/api/orgs/{org}/members", new { email = (await factory.SignedUpAsync("m")).Email, role = "org_member" }), HttpStatusCode.Created);
        await orgAdmin.ExpectAsync(orgAdmin.PatchAsync($"/api/orgs/{org}/members/{added.GetProperty("userId").GetString()}", new { role = "org_admin" }), HttpStatusCode.OK);

        await ProblemAsync(orgAdmin.PostAsync($"/api/orgs/{org}/members", new { email = (await factory.SignedUpAsync("o")).Email, role = "org_owner" }), HttpStatusCode.Forbidden, "org.owner_required");
        await ProblemAsync(orgAdmin.PatchAsync($"/api/orgs/{org}/members/{ownerId}", new { role = "org_member" }), HttpStatusCode.Forbidden, "org.owner_required");
        await ProblemAsync(orgAdmin.DeleteAsync($"/api/orgs/{org}/members/{ownerId}"), HttpStatusCode.Forbidden, "org.owner_required");
    }

    [Fact]
    public async Task Members_join_once_and_bad_input_names_the_field()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await SetPlanAsync(org, "business");
        var email = (await factory.SignedUpAsync("twice")).Email;
        await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email, role = "org_member" }), HttpStatusCode.Created);

        await ProblemAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = email.ToUpperInvariant(), role = "org_admin" }), HttpStatusCode.Conflict, "org.member_exists");
        await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email, role = "viewer" }), HttpStatusCode.Created);
        await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email, role = "developer" }), HttpStatusCode.Conflict, "team.member_exists");

        await ValidationProblemAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = "not-an-email", role = "viewer" }), "email");
        await ValidationProblemAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = ApiFactory.NewEmail("r"), role = "org_owner" }), "role");
        await ValidationProblemAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = ApiFactory.NewEmail("r"), role = "developer" }), "role");
        await ValidationProblemAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = new string('e', 250) + "@x.io", role = "org_member" }), "email");
        await ValidationProblemAsync(_owner.PatchAsync($"/api/teams/{team}/members/{Guid.NewGuid()}", new { role = "boss" }), "role");
        await ProblemAsync(_owner.PatchAsync($"/api/teams/{team}/members/{Guid.NewGuid()}", new { role = "viewer" }), HttpStatusCode.NotFound, "member.not_found");
    }

    [Fact]
    public async Task Adding_an_address_without_an_account_directly_is_refused_pointing_to_an_invitation_and_creates_nobody()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await SetPlanAsync(org, "business");
        var stranger = ApiFactory.NewEmail("stranger");
        var before = await UsersAsync();

        var toTeam = await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = stranger.ToUpperInvariant(), role = "developer" }),
            HttpStatusCode.Conflict, "member.no_account");
        var toOrg = await ProblemAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = stranger, role = "org_member" }),
            HttpStatusCode.Conflict, "member.no_account");

        Assert.All(new[] { toTeam, toOrg }, p => Assert.Contains("invitation", p.GetProperty("detail").GetString()));
        Assert.Equal(before, await UsersAsync());
        Assert.Equal(0, await UsersAsync(stranger));
        Assert.DoesNotContain(stranger, Emails(await _owner.ExpectAsync(_owner.GetAsync($"/api/orgs/{org}/members"), HttpStatusCode.OK)));
        Assert.Single(Emails(await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)));
    }

    [Fact]
    public async Task An_existing_user_is_added_directly_whatever_the_letter_case_of_the_address()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await SetPlanAsync(org, "business");
        var carol = await factory.SignedUpAsync("carol");
        var dave = await factory.SignedUpAsync("dave");

        var inOrg = await _owner.ExpectAsync(_owner.PostAsync($"/api/orgs/{org}/members", new { email = carol.Email.ToUpperInvariant(), role = "org_member" }), HttpStatusCode.Created);
        var inTeam = await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = dave.Email.ToUpperInvariant(), role = "viewer" }), HttpStatusCode.Created);

        Assert.Equal((await carol.UserIdAsync(), carol.Email), (inOrg.GetProperty("userId").GetString(), inOrg.GetProperty("email").GetString()));
        Assert.Equal((await dave.UserIdAsync(), dave.Email), (inTeam.GetProperty("userId").GetString(), inTeam.GetProperty("email").GetString()));
        Assert.Equal(1, await UsersAsync(carol.Email));
        Assert.Equal(1, await UsersAsync(dave.Email));
    }

    /// <summary>How many user rows there are, or have this e-mail (in any letter case).</summary>
    private async Task<long> UsersAsync(string? email = null)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM users WHERE $1::text IS NULL OR lower(email) = lower($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)email ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task After_a_downgrade_existing_members_stay_and_new_ones_are_refused()
    {
        var (org, team) = await _owner.CreateOrgAsync();
        await SetPlanAsync(org, "business");
        var bob = (await factory.SignedUpAsync("bob")).Email;
        await _owner.ExpectAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = bob, role = "developer" }), HttpStatusCode.Created);

        await SetPlanAsync(org, "free");

        Assert.Contains(bob, Emails(await _owner.ExpectAsync(_owner.GetAsync($"/api/teams/{team}/members"), HttpStatusCode.OK)));
        await ProblemAsync(_owner.PostAsync($"/api/teams/{team}/members", new { email = (await factory.SignedUpAsync("c")).Email, role = "viewer" }), HttpStatusCode.Conflict, "tier.team_member_limit");
    }
}
