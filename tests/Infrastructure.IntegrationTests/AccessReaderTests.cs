using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Clients;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;
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
    /// <summary>The deployment list's compiled read holds the access check: rows only for the roles that grant the permission.</summary>
    [Fact]
    public async Task The_deployment_list_yields_rows_exactly_to_those_whose_roles_grant_the_permission()
    {
        var owner = await db.Services.UserAsync($"o-{Guid.NewGuid():N}@access.test");
        var viewer = await db.Services.UserAsync($"v-{Guid.NewGuid():N}@access.test");
        var member = await db.Services.UserAsync($"m-{Guid.NewGuid():N}@access.test");
        var stranger = await db.Services.UserAsync($"s-{Guid.NewGuid():N}@access.test");
        var org = await db.Services.SendAsync(owner, new CreateOrganizationCommand("Granting", $"granting-{Guid.NewGuid():N}"[..20]));
        var other = await db.Services.SendAsync(owner, new CreateOrganizationCommand("Other", $"other-{Guid.NewGuid():N}"[..20]));
        await db.Services.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), "business"), platformAdmin: true);
        await db.Services.SendAsync(owner, new AddTeamMemberCommand(new TeamId(org.DefaultTeamId), viewer.Email, "viewer"));
        await db.Services.SendAsync(owner, new AddOrganizationMemberCommand(new OrganizationId(org.Id), member.Email, "org_member"));
        var template = await SystemTemplateAsync();
        var team = new TeamId(org.DefaultTeamId);
        await DeployAsync(owner, team, "web", template);
        await DeployAsync(owner, team, "api", template);

        foreach (var user in new[] { owner, viewer, member, stranger })
        foreach (var permission in new[] { Permission.DeployRead, Permission.DeployCreate, Permission.TeamUpdate, Permission.OrgRead })
        {
            var (roles, rows) = await ReadAsync(user, team, permission);

            Assert.True(Permissions.Allows(roles?.OrgRole, roles?.TeamRole, permission) == (rows.Count > 0), $"{user.Email} {permission}");
        }
        var (_, viewed) = await ReadAsync(viewer, team, Permission.DeployRead);
        Assert.Equal(["api", "web"], viewed.Select(d => d.Name));   // by name, with the template's name and the URL
        Assert.All(viewed, d => Assert.Matches($"^https://[a-z0-9-]+-{d.Name}\\.apps\\.test$", d.Url));
        Assert.All(viewed, d => Assert.Equal(("Web app + PostgreSQL", "running", "Pending", team.Value), (d.TemplateName, d.State, d.Phase, d.TeamId)));
        Assert.Empty((await ReadAsync(member, team, Permission.DeployRead)).Rows);
        // A request limited to another organization sees nothing of this one, owner or not.
        Assert.Empty((await ReadAsync(owner, team, Permission.DeployRead, limit: new OrganizationId(other.Id))).Rows);
        Assert.Equal(2, (await ReadAsync(owner, team, Permission.DeployRead, limit: new OrganizationId(org.Id))).Rows.Count);
    }

    [Theory]
    [InlineData(0, 51)]    // the first page at the default size (LIMIT written into the SQL)
    [InlineData(0, 101)]   // at the largest size
    [InlineData(0, 3)]     // any other: bounds as parameters
    [InlineData(1, 2)]
    [InlineData(2, 51)]
    [InlineData(0, 51, true)]   // the same in a white-label client's organization, the request limited to it: two more parameters
    [InlineData(0, 101, true)]
    [InlineData(1, 2, true)]
    public async Task Every_page_and_filter_shape_holds_the_rows_at_its_bounds_and_the_count_counts_them_all(int skip, int take, bool clientsLimitedRequest = false)
    {
        var owner = await db.Services.UserAsync($"o-{Guid.NewGuid():N}@access.test");
        var org = await db.Services.SendAsync(owner, new CreateOrganizationCommand("Pages", $"pages-{Guid.NewGuid():N}"[..20]));
        await db.Services.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), "business"), platformAdmin: true);
        var template = await SystemTemplateAsync();
        var team = new TeamId(org.DefaultTeamId);
        var ids = new Dictionary<string, DeploymentId>();
        foreach (var name in new[] { "d1", "d2", "d3", "d4", "d5" }) ids[name] = new DeploymentId((await DeployAsync(owner, team, name, template)).Id);
        // d2 and d4 stopped (phase Stopped), then d3 and d4 Running (as the cluster reports): every shape below has rows
        // that match and rows that do not.
        foreach (var name in new[] { "d2", "d4" }) await db.Services.SendAsync(owner, new SetDeploymentRunningCommand(ids[name], Running: false));
        await using (var write = db.Services.NewContext())
            await write.Deployments.Where(d => d.Id == ids["d3"] || d.Id == ids["d4"]).ExecuteUpdateAsync(u => u.SetProperty(d => d.Phase, DeploymentPhase.Running));
        await using var scope = db.Services.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TestCurrentUser>().Id = owner.Id;
        if (clientsLimitedRequest)
        {
            var suffix = Guid.NewGuid().ToString("N")[..12];
            var client = await db.Services.SendAsync(owner, new CreateClientCommand($"Pages {suffix}", [$"c{suffix}.clients.test"],
                new BrandingDto("Pages", null, "#123456")), platformAdmin: true);
            await using (var write = db.Services.NewContext())
                await write.Database.ExecuteSqlAsync($"UPDATE organizations SET client_id = {client.Id} WHERE id = {org.Id}");
            scope.ServiceProvider.GetRequiredService<TestCurrentClient>().Id = new ClientId(client.Id);
            scope.ServiceProvider.GetRequiredService<TestCurrentUser>().OrganizationLimit = new OrganizationId(org.Id);
        }
        var reader = scope.ServiceProvider.GetRequiredService<IDeploymentListReader>();
        var (orgRoles, teamRoles) = Permissions.RolesGranting(Permission.DeployRead);
        var grant = new TeamGrant(team, owner.Id, orgRoles, teamRoles);

        var shapes = new (DesiredState? State, DeploymentPhase? Phase, string[] Names)[]
        {
            (null, null, ["d1", "d2", "d3", "d4", "d5"]),
            (DesiredState.Running, null, ["d1", "d3", "d5"]),
            (DesiredState.Stopped, null, ["d2", "d4"]),
            (null, DeploymentPhase.Running, ["d3", "d4"]),
            (null, DeploymentPhase.Pending, ["d1", "d5"]),
            (null, DeploymentPhase.Stopped, ["d2"]),
            (DesiredState.Stopped, DeploymentPhase.Running, ["d4"]),
            (DesiredState.Running, DeploymentPhase.Pending, ["d1", "d5"]),
            (DesiredState.Stopped, DeploymentPhase.Failed, []),
        };
        foreach (var (state, phase, names) in shapes)
        {
            var page = await reader.ReadAsync(grant, state, phase, skip, take, CancellationToken.None);

            Assert.True(names.Skip(skip).Take(take).SequenceEqual(page.Select(d => d.Name)), $"{state} {phase}: {string.Join(",", page.Select(d => d.Name))}");
            Assert.Equal(names.Length, await reader.CountAsync(grant, state, phase, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Another_white_label_clients_request_and_a_grant_for_another_user_read_nothing()
    {
        var owner = await db.Services.UserAsync($"o-{Guid.NewGuid():N}@access.test");
        var other = await db.Services.UserAsync($"x-{Guid.NewGuid():N}@access.test");
        var org = await db.Services.SendAsync(owner, new CreateOrganizationCommand("Client", $"client-{Guid.NewGuid():N}"[..20]));
        var team = new TeamId(org.DefaultTeamId);
        await DeployAsync(owner, team, "web", await SystemTemplateAsync());
        var (orgRoles, teamRoles) = Permissions.RolesGranting(Permission.DeployRead);
        var grant = new TeamGrant(team, owner.Id, orgRoles, teamRoles);

        await using (var scope = db.Services.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TestCurrentUser>().Id = owner.Id;
            scope.ServiceProvider.GetRequiredService<TestCurrentClient>().Id = new ClientId(Guid.CreateVersion7());   // another client's host
            Assert.Empty(await scope.ServiceProvider.GetRequiredService<IDeploymentListReader>().ReadAsync(grant, null, null, 0, 51, CancellationToken.None));
        }
        await using (var scope = db.Services.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TestCurrentUser>().Id = other.Id;   // the owner's grant in another user's request
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                scope.ServiceProvider.GetRequiredService<IDeploymentListReader>().ReadAsync(grant, null, null, 0, 51, CancellationToken.None));
        }
    }

    private Task<DeploymentDetails> DeployAsync(UserRef owner, TeamId team, string name, TemplateId template) =>
        db.Services.SendAsync(owner, new CreateDeploymentCommand(team, name, template, null, new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = "pw-12345678" }));

    private async Task<TemplateId> SystemTemplateAsync()
    {
        await using (var scope = db.Services.Services.CreateAsyncScope())
            await SystemTemplates.SeedAsync(scope.ServiceProvider.GetRequiredService<IAppDbContext>(), scope.ServiceProvider.GetRequiredService<TemplateSpecCache>(),
                TimeProvider.System, CancellationToken.None);
        await using var read = db.Services.NewContext();
        return await read.Templates.Where(t => t.Visibility == TemplateVisibility.System && t.Name == "Web app + PostgreSQL").Select(t => t.Id).SingleAsync();
    }

    private async Task<(ResourceAccess? Roles, List<DeploymentSummary> Rows)> ReadAsync(UserRef user, TeamId team, Permission permission,
        OrganizationId? limit = null)
    {
        await using var scope = db.Services.Services.CreateAsyncScope();
        var current = scope.ServiceProvider.GetRequiredService<TestCurrentUser>();
        (current.Id, current.OrganizationLimit) = (user.Id, limit);
        var (orgRoles, teamRoles) = Permissions.RolesGranting(permission);
        var rows = await scope.ServiceProvider.GetRequiredService<IDeploymentListReader>()
            .ReadAsync(new TeamGrant(team, user.Id, orgRoles, teamRoles), null, null, 0, Paging.DefaultPageSize + 1, CancellationToken.None);
        var roles = await scope.ServiceProvider.GetRequiredService<IAccessReader>().ForTeamAsync(team, user.Id, CancellationToken.None);
        return (roles, rows);
    }
}
