using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Me;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Teams;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Common;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>Use cases through the full pipeline (validation, authorization, retry) against PostgreSQL; each test starts from the migrated database.</summary>
public sealed class TenancyHandlerTests(ServicesFixture db) : IClassFixture<ServicesFixture>, IAsyncLifetime
{
    private TestServices S => db.Services;

    public Task InitializeAsync() => db.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(UserRef Owner, OrganizationDetails Org)> FoundAsync(string? plan = null)
    {
        var owner = await S.UserAsync("owner@handlers.test");
        var org = await S.SendAsync(owner, new CreateOrganizationCommand("Acme", "acme"));
        if (plan is not null) org = await S.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), plan), platformAdmin: true);
        return (owner, org);
    }

    [Fact]
    public async Task Founding_stores_the_organization_its_owner_and_the_default_team_together()
    {
        var (owner, org) = await FoundAsync();

        await using var read = S.NewContext();
        var stored = await read.Organizations.SingleAsync(o => o.Id == new OrganizationId(org.Id));
        var team = await read.Teams.SingleAsync(t => t.OrganizationId == stored.Id);
        Assert.Equal(Domain.Authorization.OrgRole.Owner, stored.RoleOf(owner.Id));
        Assert.Equal((org.DefaultTeamId, true, 1), (team.Id.Value, team.IsDefault, team.MemberCount));
        Assert.Equal(Domain.Authorization.TeamRole.Admin, team.RoleOf(owner.Id));
    }

    [Fact]
    public async Task A_refused_founding_leaves_nothing_behind()
    {
        var (owner, org) = await FoundAsync();

        await Assert.ThrowsAsync<RuleViolationException>(() => S.SendAsync(owner, new CreateOrganizationCommand("Again", org.Slug)));

        await using var read = S.NewContext();
        Assert.Equal("Acme", (await read.Organizations.SingleAsync()).Name);
        Assert.Equal(1, await read.Teams.CountAsync());
    }

    [Fact]
    public async Task Adding_a_user_to_a_team_by_email_in_any_letter_case_makes_them_an_org_member()
    {
        var (owner, org) = await FoundAsync("business");
        var email = "new@handlers.test";
        var newcomer = await S.UserAsync(email);

        var member = await S.SendAsync(owner, new AddTeamMemberCommand(new TeamId(org.DefaultTeamId), email.ToUpperInvariant(), "developer"));

        Assert.Equal((email, "developer"), (member.Email, member.Role));
        Assert.Equal(member.UserId, newcomer.Id.Value);
        var me = await S.SendAsync(newcomer, new GetMeQuery());
        Assert.Equal("org_member", Assert.Single(me.Organizations).Role);
        Assert.Equal(("developer", false), (Assert.Single(me.Teams).Role, me.Teams[0].Inherited));
    }

    [Fact]
    public async Task Adding_an_address_without_an_account_directly_is_refused_and_registers_nobody()
    {
        var (owner, org) = await FoundAsync("business");

        var toTeam = await Assert.ThrowsAsync<RuleViolationException>(() =>
            S.SendAsync(owner, new AddTeamMemberCommand(new TeamId(org.DefaultTeamId), "Stranger@Handlers.test", "developer")));
        var toOrg = await Assert.ThrowsAsync<RuleViolationException>(() =>
            S.SendAsync(owner, new AddOrganizationMemberCommand(new OrganizationId(org.Id), "stranger@handlers.test", "org_member")));

        Assert.Equal(("member.no_account", "member.no_account"), (toTeam.Code, toOrg.Code));
        Assert.Contains("invitation", toTeam.Message);
        await using var read = S.NewContext();
        Assert.False(await read.Users.AnyAsync(u => u.Email == "stranger@handlers.test"));
        Assert.Equal(1, await read.Teams.Where(t => t.Id == new TeamId(org.DefaultTeamId)).Select(t => t.MemberCount).SingleAsync());
    }

    [Fact]
    public async Task Removing_someone_from_the_organization_removes_them_from_its_teams()
    {
        var (owner, org) = await FoundAsync("business");
        var extra = await S.SendAsync(owner, new CreateTeamCommand(new OrganizationId(org.Id), "Extra"));
        var email = (await S.UserAsync("leaver@handlers.test")).Email;
        var member = await S.SendAsync(owner, new AddTeamMemberCommand(new TeamId(org.DefaultTeamId), email, "viewer"));
        await S.SendAsync(owner, new AddTeamMemberCommand(new TeamId(extra.Id), email, "developer"));

        await S.SendAsync(owner, new RemoveOrganizationMemberCommand(new OrganizationId(org.Id), new UserId(member.UserId)));

        await using var read = S.NewContext();
        var teams = await read.Teams.Where(t => t.OrganizationId == new OrganizationId(org.Id)).ToListAsync();
        Assert.All(teams, t => Assert.Null(t.RoleOf(new UserId(member.UserId))));
        Assert.Equal([0, 1], teams.Select(t => t.MemberCount).Order().ToArray());
        var leaver = await S.UserAsync(email);
        Assert.Empty((await S.SendAsync(leaver, new GetMeQuery())).Organizations);
    }

    [Fact]
    public async Task Me_lists_inherited_team_admin_roles_of_owners()
    {
        var (owner, org) = await FoundAsync();
        await S.SendAsync(owner, new CreateTeamCommand(new OrganizationId(org.Id), "Ops"));

        var me = await S.SendAsync(owner, new GetMeQuery());

        Assert.Equal(2, me.Teams.Count);
        Assert.All(me.Teams, t => Assert.Equal("team_admin", t.Role));
        Assert.Contains(me.Teams, t => t is { Name: "Ops", Inherited: true });
        Assert.Contains(me.Teams, t => t is { IsDefault: true, Inherited: false });
    }

    [Fact]
    public async Task Another_tenant_gets_not_found_on_every_use_case()
    {
        var (_, org) = await FoundAsync();
        var stranger = await S.UserAsync("eve@handlers.test");
        var orgId = new OrganizationId(org.Id);
        var teamId = new TeamId(org.DefaultTeamId);

        var attempts = new Func<Task>[]
        {
            () => S.SendAsync(stranger, new GetOrganizationQuery(orgId)),
            () => S.SendAsync(stranger, new RenameOrganizationCommand(orgId, "Mine")),
            () => S.SendAsync(stranger, new DeleteOrganizationCommand(orgId)),
            () => S.SendAsync(stranger, new ListTeamsQuery(orgId)),
            () => S.SendAsync(stranger, new CreateTeamCommand(orgId, "Mine")),
            () => S.SendAsync(stranger, new ListOrganizationMembersQuery(orgId)),
            () => S.SendAsync(stranger, new AddOrganizationMemberCommand(orgId, "x@y.z", "org_owner")),
            () => S.SendAsync(stranger, new ChangeOrganizationMemberRoleCommand(orgId, stranger.Id, "org_owner")),
            () => S.SendAsync(stranger, new RemoveOrganizationMemberCommand(orgId, stranger.Id)),
            () => S.SendAsync(stranger, new GetTeamQuery(teamId)),
            () => S.SendAsync(stranger, new RenameTeamCommand(teamId, "Mine")),
            () => S.SendAsync(stranger, new DeleteTeamCommand(teamId)),
            () => S.SendAsync(stranger, new ListTeamMembersQuery(teamId)),
            () => S.SendAsync(stranger, new AddTeamMemberCommand(teamId, stranger.Email, "team_admin")),
            () => S.SendAsync(stranger, new ChangeTeamMemberRoleCommand(teamId, stranger.Id, "team_admin")),
            () => S.SendAsync(stranger, new RemoveTeamMemberCommand(teamId, stranger.Id)),
            () => S.SendAsync(stranger, new SetOrganizationPlanCommand(orgId, "enterprise")),
        };

        foreach (var attempt in attempts) await Assert.ThrowsAsync<NotFoundException>(attempt);
        Assert.Empty((await S.SendAsync(stranger, new ListOrganizationsQuery())).Items);
    }
}
