using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>The deployment limit holds when many launches race (DESIGN.md §5: 50 on a Free org leave exactly one).</summary>
public sealed class DeploymentConcurrencyTests(ServicesFixture db) : IClassFixture<ServicesFixture>
{
    private TestServices S => db.Services;

    private async Task<TemplateId> StaticSiteAsync()
    {
        await using (var scope = S.Services.CreateAsyncScope())
            await SystemTemplates.SeedAsync(scope.ServiceProvider.GetRequiredService<IAppDbContext>(), scope.ServiceProvider.GetRequiredService<TemplateSpecCache>(), TimeProvider.System, CancellationToken.None);
        await using var read = S.NewContext();
        return await read.Templates.Where(t => t.Visibility == TemplateVisibility.System && t.Name == "Static site").Select(t => t.Id).SingleAsync();
    }

    private async Task<(OrganizationDetails Org, Application.Features.Users.UserRef Owner)> FreshOrgAsync(string? plan = null)
    {
        var owner = await S.UserAsync($"o-{Guid.NewGuid():N}@deploy-race.test");
        var org = await S.SendAsync(owner, new CreateOrganizationCommand("Race", $"race-{Guid.NewGuid():N}"[..20]));
        if (plan is not null) await S.SendAsync(owner, new SetOrganizationPlanCommand(new OrganizationId(org.Id), plan), platformAdmin: true);
        return (org, owner);
    }

    private async Task<string[]> LaunchAsync(int count, OrganizationDetails org, Application.Features.Users.UserRef owner, TemplateId template) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            try
            {
                await S.SendAsync(owner, new CreateDeploymentCommand(new TeamId(org.DefaultTeamId), $"app{i}", template, null, null));
                return "created";
            }
            catch (RuleViolationException e) { return e.Code; }
            catch (DbUpdateConcurrencyException) { return "concurrency.conflict"; }
        })));

    private async Task<(long Rows, long Counter)> CountsAsync(Guid org)
    {
        await using var read = S.NewContext();
        var id = new OrganizationId(org);
        return (await read.Deployments.LongCountAsync(d => d.OrganizationId == id),
            await read.Subscriptions.Where(s => s.OrganizationId == id).Select(s => (long)s.ActiveDeployments).SingleAsync());
    }

    [Fact]
    public async Task Fifty_simultaneous_launches_on_a_free_org_leave_exactly_one_deployment()
    {
        var template = await StaticSiteAsync();
        var (org, owner) = await FreshOrgAsync();

        var outcomes = await LaunchAsync(50, org, owner, template);

        Assert.Equal(1, outcomes.Count(o => o == "created"));
        Assert.All(outcomes.Where(o => o != "created"), o => Assert.Equal("tier.deployment_limit", o));   // they wait on the lock, then see the limit
        Assert.Equal((1L, 1L), await CountsAsync(org.Id));
    }

    [Fact]
    public async Task Twenty_racing_launches_on_business_create_exactly_five_and_the_counter_matches_the_rows()
    {
        var template = await StaticSiteAsync();
        var (org, owner) = await FreshOrgAsync("business");

        var outcomes = await LaunchAsync(20, org, owner, template);

        Assert.Equal(5, outcomes.Count(o => o == "created"));
        Assert.Equal(15, outcomes.Count(o => o == "tier.deployment_limit"));
        Assert.Equal(outcomes.Count(o => o == "created"), (int)(await CountsAsync(org.Id)).Rows);
        var (rows, counter) = await CountsAsync(org.Id);
        Assert.Equal(rows, counter);
        Assert.Equal((5L, 5L), await CountsAsync(org.Id));
    }

    [Fact]
    public async Task Racing_changes_of_one_deployment_raise_its_revision_once_each()
    {
        var template = await StaticSiteAsync();
        var (org, owner) = await FreshOrgAsync("business");
        var id = new DeploymentId((await S.SendAsync(owner, new CreateDeploymentCommand(new TeamId(org.DefaultTeamId), "raced", template, null, null))).Id);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            try
            {
                await S.SendAsync(owner, new UpdateDeploymentValuesCommand(id, null, new Dictionary<string, string?> { ["PAGE_TITLE"] = $"t{i}" }));
                return true;
            }
            catch (DbUpdateConcurrencyException) { return false; }   // lost the race more often than the retries allow
        })));

        await using var read = S.NewContext();
        var revision = await read.Deployments.Where(d => d.Id == id).Select(d => d.Revision).SingleAsync();
        Assert.True(outcomes.Count(o => o) >= 1);
        Assert.Equal(1 + outcomes.Count(o => o), revision);
    }
}
