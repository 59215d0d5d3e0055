using CleanScheduler.Application.Features.Clients;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Teams;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Common;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>
/// Who sees and who may use which template. Two meanings: <em>visible</em> (the list without a team, and reading one
/// template by id) and <em>usable in a team</em> (the list for a team, and launching a deployment there).
/// </summary>
public sealed class TemplateVisibilityTests(ServicesFixture db) : IClassFixture<ServicesFixture>
{
    private const string Spec = "services:\n  - name: web\n    image: nginx:1.27\n    ports:\n      - { name: http, port: 80, public: true }\n";

    private TestServices S => db.Services;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private sealed record World(
        OrganizationDetails Org, TeamId First, TeamId Second,
        UserRef Owner, UserRef Admin, UserRef FirstDeveloper, UserRef SecondDeveloper, UserRef Stranger, UserRef PlatformAdmin,
        Dictionary<string, Guid> Templates);

    /// <summary>
    /// An enterprise organization with two teams; the owner, an org admin in no team, a developer in each team, a member of
    /// another organization and a platform admin in none; one template of every kind.
    /// </summary>
    private async Task<World> WorldAsync()
    {
        var owner = await S.UserAsync($"{Unique("owner")}@visibility.test");
        var org = await S.SendAsync(owner, new CreateOrganizationCommand("Acme", Unique("acme")));
        var orgId = new OrganizationId(org.Id);
        await S.SendAsync(owner, new SetOrganizationPlanCommand(orgId, "enterprise"), platformAdmin: true);
        var first = new TeamId(org.DefaultTeamId);
        var second = new TeamId((await S.SendAsync(owner, new CreateTeamCommand(orgId, "Second"))).Id);

        var admin = await S.UserAsync($"{Unique("admin")}@visibility.test");
        await S.SendAsync(owner, new AddOrganizationMemberCommand(orgId, admin.Email, "org_admin"));
        var firstDeveloper = await S.UserAsync($"{Unique("dev1")}@visibility.test");
        await S.SendAsync(owner, new AddTeamMemberCommand(first, firstDeveloper.Email, "developer"));
        var secondDeveloper = await S.UserAsync($"{Unique("dev2")}@visibility.test");
        await S.SendAsync(owner, new AddTeamMemberCommand(second, secondDeveloper.Email, "developer"));
        var stranger = await S.UserAsync($"{Unique("eve")}@visibility.test");
        await S.SendAsync(stranger, new CreateOrganizationCommand("Other", Unique("other")));
        var platformAdmin = await S.UserAsync($"{Unique("root")}@visibility.test");

        var templates = new Dictionary<string, Guid>
        {
            ["system"] = (await S.SendAsync(platformAdmin, new CreateTemplateCommand(null, Unique("sys"), null, "system", Spec), platformAdmin: true)).Id,
            ["org"] = (await S.SendAsync(owner, new CreateTemplateCommand(first, Unique("org"), null, "org", Spec))).Id,
            ["team-first"] = (await S.SendAsync(owner, new CreateTemplateCommand(first, Unique("team1"), null, "team", Spec))).Id,
            ["team-second"] = (await S.SendAsync(owner, new CreateTemplateCommand(second, Unique("team2"), null, "team", Spec))).Id,
            ["private-owner"] = (await S.SendAsync(owner, new CreateTemplateCommand(first, Unique("priv-o"), null, "private", Spec))).Id,
            ["private-dev1"] = (await S.SendAsync(firstDeveloper, new CreateTemplateCommand(first, Unique("priv-d"), null, "private", Spec))).Id,
        };
        return new World(org, first, second, owner, admin, firstDeveloper, secondDeveloper,
            stranger, platformAdmin, templates);
    }

    private async Task<string[]> ListedAsync(World world, UserRef user, TeamId? team = null, bool platformAdmin = false)
    {
        var page = await S.SendAsync(user, new ListTemplatesQuery(team, null, 1, 100), platformAdmin);
        return world.Templates.Where(t => page.Items.Any(i => i.Id == t.Value)).Select(t => t.Key).Order().ToArray();
    }

    private async Task<string[]> ReadableAsync(World world, UserRef user, bool platformAdmin = false)
    {
        var readable = new List<string>();
        foreach (var (key, id) in world.Templates)
        {
            try
            {
                await S.SendAsync(user, new GetTemplateQuery(new TemplateId(id)), platformAdmin);
                readable.Add(key);
            }
            catch (NotFoundException) { }
        }
        return readable.Order().ToArray();
    }

    private static string[] Keys(params string[] keys) => keys.Order().ToArray();

    [Fact]
    public async Task Each_caller_sees_the_same_templates_in_the_list_and_one_by_one()
    {
        var w = await WorldAsync();
        var expected = new (string Who, UserRef User, bool PlatformAdmin, string[] Visible)[]
        {
            ("owner", w.Owner, false, Keys("system", "org", "team-first", "team-second", "private-owner")),
            ("org admin in no team", w.Admin, false, Keys("system", "org", "team-first", "team-second")),
            ("developer of the first team", w.FirstDeveloper, false, Keys("system", "org", "team-first", "private-dev1")),
            ("developer of the second team", w.SecondDeveloper, false, Keys("system", "org", "team-second")),
            ("member of another organization", w.Stranger, false, Keys("system")),
            ("platform admin in no organization", w.PlatformAdmin, true, Keys("system")),
        };

        foreach (var (who, user, platformAdmin, visible) in expected)
        {
            var listed = await ListedAsync(w, user, platformAdmin: platformAdmin);
            var readable = await ReadableAsync(w, user, platformAdmin);
            Assert.Equal($"{who}: {string.Join(", ", visible)}", $"{who}: {string.Join(", ", listed)}");
            Assert.Equal($"{who}: {string.Join(", ", visible)}", $"{who}: {string.Join(", ", readable)}");
        }
    }

    [Fact]
    public async Task A_team_lists_the_templates_usable_in_it_not_everything_its_caller_sees()
    {
        var w = await WorldAsync();

        Assert.Equal(Keys("system", "org", "team-first", "private-owner"), await ListedAsync(w, w.Owner, w.First));
        Assert.Equal(Keys("system", "org", "team-second", "private-owner"), await ListedAsync(w, w.Owner, w.Second));
        Assert.Equal(Keys("system", "org", "team-first"), await ListedAsync(w, w.Admin, w.First));
        Assert.Equal(Keys("system", "org", "team-first", "private-dev1"), await ListedAsync(w, w.FirstDeveloper, w.First));
        await Assert.ThrowsAsync<AccessDeniedException>(() => ListedAsync(w, w.SecondDeveloper, w.First));   // a member of the org, not of the team
        await Assert.ThrowsAsync<NotFoundException>(() => ListedAsync(w, w.Stranger, w.First));
    }

    [Fact]
    public async Task A_deployment_can_be_launched_only_from_a_template_usable_in_its_team()
    {
        var w = await WorldAsync();
        Task<DeploymentDetails> Launch(UserRef user, TeamId team, string template) =>
            S.SendAsync(user, new CreateDeploymentCommand(team, Unique("d")[..12], new TemplateId(w.Templates[template]), null, null));

        await Launch(w.Owner, w.Second, "private-owner");
        await Launch(w.FirstDeveloper, w.First, "private-dev1");
        await Launch(w.Owner, w.First, "org");

        var other = await Assert.ThrowsAsync<NotFoundException>(() => Launch(w.Owner, w.First, "team-second"));
        Assert.Contains(w.Templates["team-second"].ToString(), other.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => Launch(w.Owner, w.First, "private-dev1"));
    }

    [Fact]
    public async Task Templates_of_a_white_label_clients_organization_are_not_seen_on_the_platforms_hosts()
    {
        var w = await WorldAsync();
        var client = await S.SendAsync(w.PlatformAdmin, new CreateClientCommand(Unique("client"), [$"{Unique("c")}.clients.test"],
            new BrandingDto("Client", null, "#123456")), platformAdmin: true);
        await using (var write = S.NewContext())
            await write.Database.ExecuteSqlAsync($"UPDATE organizations SET client_id = {client.Id} WHERE id = {w.Org.Id}");

        Assert.Equal(Keys("system"), await ListedAsync(w, w.Owner));
        Assert.Equal(Keys("system"), await ReadableAsync(w, w.FirstDeveloper));
    }
}
