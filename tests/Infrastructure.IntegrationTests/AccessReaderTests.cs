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
}
