using System.Net;
using CleanScheduler.Application.Features.Deployments;
using MediatR;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The real server, with the deployment-creating handler wrapped so that the tests can count how often it runs.</summary>
public sealed class CountingApiFactory : ApiFactory
{
    private int _createDeploymentRuns;

    public int CreateDeploymentRuns => Volatile.Read(ref _createDeploymentRuns);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddTransient<IRequestHandler<CreateDeploymentCommand, DeploymentDetails>>(sp =>
            new Counted(ActivatorUtilities.CreateInstance<CreateDeploymentHandler>(sp), () => Interlocked.Increment(ref _createDeploymentRuns))));
    }

    private sealed class Counted(CreateDeploymentHandler inner, Action ran) : IRequestHandler<CreateDeploymentCommand, DeploymentDetails>
    {
        public Task<DeploymentDetails> Handle(CreateDeploymentCommand request, CancellationToken cancellationToken)
        {
            ran();
            return inner.Handle(request, cancellationToken);
        }
    }
}

/// <summary>
/// A unique key the client chose (a taken host, slug or name) is answered at once with its 409 code; only rows two
/// requests insert at the same moment as a consequence (a user registered on first mention, a membership) are retried.
/// </summary>
public sealed class ConflictAnswerTests(CountingApiFactory factory) : IClassFixture<CountingApiFactory>
{
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private static async Task<string> StaticSiteAsync(Api api, string team) =>
        (await api.ExpectAsync(api.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Static site").GetProperty("id").GetString()!;

    private static Task<HttpResponseMessage> Deploy(Api api, string team, string template, string name) =>
        api.PostAsync("/api/deployments", new { teamId = team, name, templateId = template, values = new Dictionary<string, string?>() });

    [Fact]
    public async Task A_taken_host_answers_409_host_taken_after_one_run_of_the_handler()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (_, first) = await owner.CreateOrgAsync();
        var (_, second) = await owner.CreateOrgAsync();
        var template = await StaticSiteAsync(owner, first);
        await owner.ExpectAsync(Deploy(owner, first, template, "site"), HttpStatusCode.Created);
        var before = factory.CreateDeploymentRuns;

        await ProblemAsync(Deploy(owner, second, template, "site"), HttpStatusCode.Conflict, "deployment.host_taken");   // same handle, same name: same host

        Assert.Equal(1, factory.CreateDeploymentRuns - before);
    }

    [Fact]
    public async Task A_taken_slug_answers_409_slug_taken()
    {
        var slug = $"s-{Guid.NewGuid():N}"[..20];
        await factory.As(ApiFactory.NewEmail("first")).CreateOrgAsync(slug: slug);

        await ProblemAsync(factory.As(ApiFactory.NewEmail("second")).PostAsync("/api/orgs", new { name = "Copy", slug }), HttpStatusCode.Conflict, "org.slug_taken");
    }

    [Fact]
    public async Task One_user_added_to_several_teams_at_once_joins_the_organization_once_and_all_the_teams()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, defaultTeam) = await owner.CreateOrgAsync();
        await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "enterprise" }), HttpStatusCode.OK);
        var teams = new List<string> { defaultTeam };
        for (var i = 0; i < 3; i++)
            teams.Add((await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/teams", new { name = $"team{i}" }), HttpStatusCode.Created)).GetProperty("id").GetString()!);
        var newcomer = (await factory.SignedUpAsync("newcomer")).Email;

        // Each request adds the organization membership too: all insert the same row at the same moment.
        var statuses = await Task.WhenAll(teams.Select(async team =>
        {
            using var response = await owner.PostAsync($"/api/teams/{team}/members", new { email = newcomer, role = "developer" });
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }));

        Assert.All(statuses, s => Assert.True(s.StatusCode == HttpStatusCode.Created, s.Item2));
        var me = await factory.As(newcomer).ExpectAsync(factory.As(newcomer).GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal(teams.Count, me.GetProperty("teams").GetArrayLength());
        Assert.Single(me.GetProperty("organizations").EnumerateArray());
    }
}
