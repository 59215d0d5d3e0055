using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Users;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>Rules that must hold when requests race: row versions (xmin) plus the command retry. Each test starts from the migrated database.</summary>
public sealed class ConcurrencyTests(ServicesFixture db) : IClassFixture<ServicesFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private TestServices S => db.Services;

    public Task InitializeAsync() => db.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<long> CountAsync(string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(id);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Two_contexts_adding_to_the_same_team_from_the_same_version_cannot_both_commit()
    {
        var owner = await S.UserAsync("o@race.test");
        var org = await S.SendAsync(owner, new CreateOrganizationCommand("Race", "race"));
        await S.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), "business"), platformAdmin: true);
        var (alice, bob) = (await S.UserAsync("a@race.test"), await S.UserAsync("b@race.test"));

        await using var a = S.NewContext();
        await using var b = S.NewContext();
        foreach (var (context, user) in new[] { (a, alice), (b, bob) })
        {
            var o = await context.Organizations.SingleAsync(x => x.Id == new OrganizationId(org.Id));
            var t = await context.Teams.SingleAsync(x => x.Id == new TeamId(org.DefaultTeamId));
            var s = await context.Subscriptions.SingleAsync(x => x.OrganizationId == o.Id);
            o.EnsureMember(user.Id, Now);
            t.AddMember(o, s, user.Id, TeamRole.Viewer, Now);
        }

        await a.SaveChangesAsync();
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => b.SaveChangesAsync());
    }

    [Fact]
    public async Task Concurrent_additions_to_a_business_team_stop_at_ten_members_and_name_the_limit()
    {
        var owner = await S.UserAsync("o@race.test");
        var org = await S.SendAsync(owner, new CreateOrganizationCommand("Crowd", "crowd"));
        await S.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), "business"), platformAdmin: true);
        var team = new TeamId(org.DefaultTeamId);
        var crowd = new List<UserRef>();
        for (var i = 0; i < 24; i++) crowd.Add(await S.UserAsync($"crowd{i}@race.test"));

        var outcomes = await Task.WhenAll(crowd.Select(user => Task.Run(async () =>
        {
            try
            {
                await S.SendAsync(owner, new AddTeamMemberCommand(team, user.Email, "developer"));
                return "added";
            }
            catch (RuleViolationException e) { return e.Code; }
            catch (DbUpdateConcurrencyException) { return "conflict"; }
        })));

        Assert.Equal(9, outcomes.Count(o => o == "added"));   // the founder holds the tenth place
        Assert.All(outcomes.Where(o => o != "added"), o => Assert.Contains(o, new[] { "tier.team_member_limit", "conflict" }));
        Assert.Contains("tier.team_member_limit", outcomes);
        Assert.Equal(10, await CountAsync("SELECT count(*) FROM team_members WHERE team_id = $1", team.Value));
        Assert.Equal(10, await CountAsync("SELECT member_count FROM teams WHERE id = $1", team.Value));
    }

    [Fact]
    public async Task Two_owners_demoting_each_other_at_once_leave_one_owner()
    {
        var owner = await S.UserAsync("o@race.test");
        var org = await S.SendAsync(owner, new CreateOrganizationCommand("Owners", "owners"));
        var orgId = new OrganizationId(org.Id);
        var second = await S.UserAsync("s@race.test");
        await S.SendAsync(owner, new AddOrganizationMemberCommand(orgId, second.Email, "org_owner"));

        var results = await Task.WhenAll(
            Attempt(() => S.SendAsync(owner, new ChangeOrganizationMemberRoleCommand(orgId, second.Id, "org_admin"))),
            Attempt(() => S.SendAsync(second, new ChangeOrganizationMemberRoleCommand(orgId, owner.Id, "org_admin"))));

        Assert.Equal(1, await CountAsync("SELECT count(*) FROM organization_members WHERE organization_id = $1 AND role = 'org_owner'", org.Id));
        Assert.Equal(1, await CountAsync("SELECT owner_count FROM organizations WHERE id = $1", org.Id));
        Assert.Contains("ok", results);
    }

    [Fact]
    public async Task Concurrent_foundings_with_one_slug_create_one_organization()
    {
        var slug = "same";
        var users = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => S.UserAsync($"f{i}@race.test")));

        var results = await Task.WhenAll(users.Select(u => Attempt(() => S.SendAsync(u, new CreateOrganizationCommand("Same", slug)))));

        Assert.Single(results, r => r == "ok");
        Assert.All(results.Where(r => r != "ok"), r => Assert.Equal("org.slug_taken", r));
        await using var read = S.NewContext();
        Assert.Equal(slug, (await read.Organizations.SingleAsync()).Slug);
    }

    [Fact]
    public async Task Concurrent_first_sign_ins_of_one_address_register_one_user()
    {
        var email = "first@race.test";

        var users = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => S.UserAsync(email))));

        Assert.Single(users.Select(u => u.Id).Distinct());
        await using var read = S.NewContext();
        Assert.Equal(email, (await read.Users.SingleAsync()).Email);
    }

    [Fact]
    public async Task Users_whose_addresses_derive_the_same_handle_get_different_ones()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => S.UserAsync($"same@domain{i}.test"))));

        await using var read = S.NewContext();
        var handles = await read.Users.Select(u => u.Handle).ToListAsync();
        Assert.Equal(8, handles.Distinct().Count());
        Assert.Contains("same", handles);
        Assert.All(handles, h => Assert.StartsWith("same", h, StringComparison.Ordinal));
    }

    private static async Task<string> Attempt(Func<Task> action)
    {
        try { await action(); return "ok"; }
        catch (DomainException e) { return e.Code; }
    }
}
