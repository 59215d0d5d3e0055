using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Infrastructure.IntegrationTests;

public sealed class AccessReaderTests(ServicesFixture db) : IClassFixture<ServicesFixture>
{
    [Fact]
    public async Task Reads_organization_and_team_roles_and_nothing_for_strangers()
    {
        var owner = await db.Services.UserAsync($"o-{Guid.NewGuid():N}@access.test");
        var viewer = await db.Services.UserAsync($"v-{Guid.NewGuid():N}@access.test");
        var stranger = await db.Services.UserAsync($"s-{Guid.NewGuid():N}@access.test");
        var org = await db.Services.SendAsync(owner, new CreateOrganizationCommand("Access", $"access-{Guid.NewGuid():N}"[..20]));
        await db.Services.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), "business"), platformAdmin: true);
        await db.Services.SendAsync(owner, new AddTeamMemberCommand(new TeamId(org.DefaultTeamId), viewer.Email, "viewer"));
        await using var scope = db.Services.Services.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<IAccessReader>();
        var team = new TeamId(org.DefaultTeamId);

        var ownerOnTeam = await reader.ForTeamAsync(team, owner.Id, CancellationToken.None);
        var viewerOnTeam = await reader.ForTeamAsync(team, viewer.Id, CancellationToken.None);
        var strangerOnOrg = await reader.ForOrganizationAsync(new OrganizationId(org.Id), stranger.Id, CancellationToken.None);
        var missing = await reader.ForTeamAsync(TeamId.New(), owner.Id, CancellationToken.None);

        Assert.Equal((OrgRole.Owner, TeamRole.Admin), (ownerOnTeam!.OrgRole, ownerOnTeam.TeamRole));
        Assert.Equal((OrgRole.Member, TeamRole.Viewer), (viewerOnTeam!.OrgRole, viewerOnTeam.TeamRole));
        Assert.False(strangerOnOrg!.IsMember);
        Assert.Null(missing);
    }
    [Fact]
    public async Task The_teams_granting_a_permission_are_exactly_those_whose_roles_allow_it()
    {
        var owner = await db.Services.UserAsync($"o-{Guid.NewGuid():N}@access.test");
        var viewer = await db.Services.UserAsync($"v-{Guid.NewGuid():N}@access.test");
        var member = await db.Services.UserAsync($"m-{Guid.NewGuid():N}@access.test");
        var stranger = await db.Services.UserAsync($"s-{Guid.NewGuid():N}@access.test");
        var org = await db.Services.SendAsync(owner, new CreateOrganizationCommand("Granting", $"granting-{Guid.NewGuid():N}"[..20]));
        await db.Services.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), "business"), platformAdmin: true);
        await db.Services.SendAsync(owner, new AddTeamMemberCommand(new TeamId(org.DefaultTeamId), viewer.Email, "viewer"));
        await db.Services.SendAsync(owner, new AddOrganizationMemberCommand(new OrganizationId(org.Id), member.Email, "org_member"));
        await using var scope = db.Services.Services.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<IAccessReader>();
        var team = new TeamId(org.DefaultTeamId);

        foreach (var user in new[] { owner, viewer, member, stranger })
        foreach (var permission in new[] { Permission.DeployRead, Permission.DeployCreate, Permission.TeamUpdate, Permission.OrgRead })
        {
            var roles = await reader.ForTeamAsync(team, user.Id, CancellationToken.None);
            var granted = reader.TeamsGranting(user.Id, permission).Any(t => t == team);

            Assert.True(Permissions.Allows(roles?.OrgRole, roles?.TeamRole, permission) == granted, $"{user.Email} {permission}");
        }
        Assert.True(reader.TeamsGranting(viewer.Id, Permission.DeployRead).Any(t => t == team));
        Assert.False(reader.TeamsGranting(member.Id, Permission.DeployRead).Any(t => t == team));
    }
}
