using System.Diagnostics;
using System.Net;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using CleanScheduler.WebApi.Endpoints;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server with a cluster (the test API server) and small log stream limits: 2 per user, 8 seconds each.</summary>
public sealed class LogStreamLimitFactory : ClusterApiFactory
{
    public static readonly LogStreamLimits Limits = new(PerUser: 2, Lifetime: TimeSpan.FromSeconds(8), AccessCheck: TimeSpan.FromMilliseconds(300));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(Limits));
    }
}

public sealed class LogStreamLimitTests(LogStreamLimitFactory factory) : IClassFixture<LogStreamLimitFactory>
{
    private async Task<(Api Owner, string Deployment)> DeploymentAsync()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (_, team) = await owner.CreateOrgAsync();
        var template = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Static site").GetProperty("id").GetString()!;
        var deployment = await owner.ExpectAsync(owner.PostAsync("/api/deployments",
            new { teamId = team, name = "logs", templateId = template, values = new Dictionary<string, string?>() }), HttpStatusCode.Created);
        return (owner, deployment.GetProperty("id").GetString()!);
    }

    /// <summary>Opens a following stream and waits for its first comment: from then on the stream holds its place.</summary>
    private static async Task<HttpResponseMessage> OpenAsync(Api api, string deployment)
    {
        var response = await api.Http.GetAsync($"/api/deployments/{deployment}/logs?follow=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    [Fact]
    public async Task Past_the_per_user_limit_a_stream_is_refused_with_429_and_retry_after_and_a_stream_ends_at_its_lifetime_with_reconnect()
    {
        var (owner, deployment) = await DeploymentAsync();
        var (someoneElse, theirs) = await DeploymentAsync();
        var clock = Stopwatch.StartNew();
        using var first = await OpenAsync(owner, deployment);
        using var second = await OpenAsync(owner, deployment);

        using var third = await owner.Http.GetAsync($"/api/deployments/{deployment}/logs?follow=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), third.Headers.RetryAfter?.Delta);
        await ProblemAsync(Task.FromResult(third), HttpStatusCode.TooManyRequests, "logs.too_many_streams");
        Assert.True(clock.Elapsed < LogStreamLimitFactory.Limits.Lifetime, "the first streams ended before the third was asked for: the machine is too slow for this test");

        using (await OpenAsync(someoneElse, theirs)) { }   // the limit is per user: others are not affected

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = await first.Content.ReadAsStringAsync(patience.Token);   // the server ends it at its lifetime
        Assert.True(clock.Elapsed >= LogStreamLimitFactory.Limits.Lifetime - TimeSpan.FromMilliseconds(500), $"ended after {clock.Elapsed}");
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(b => b.StartsWith("event: ", StringComparison.Ordinal)).ToList();
        Assert.StartsWith("event: reconnect\ndata: {\"message\":", Assert.Single(events), StringComparison.Ordinal);
        await second.Content.ReadAsStringAsync(patience.Token);

        using var again = await OpenAsync(owner, deployment);   // their places are free again
    }

    [Fact]
    public async Task A_member_removed_while_following_the_logs_loses_the_stream_at_the_next_check_not_at_its_lifetime()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        var admin = factory.As(ApiFactory.PlatformAdmin);
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        var template = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Static site").GetProperty("id").GetString()!;
        var deployment = (await owner.ExpectAsync(owner.PostAsync("/api/deployments",
            new { teamId = team, name = "logs", templateId = template, values = new Dictionary<string, string?>() }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var bob = await factory.SignedUpAsync("bob");
        var bobId = (await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = bob.Email, role = "developer" }), HttpStatusCode.Created))
            .GetProperty("userId").GetString();

        var clock = Stopwatch.StartNew();
        using var stream = await OpenAsync(bob, deployment);
        await owner.ExpectAsync(owner.DeleteAsync($"/api/teams/{team}/members/{bobId}"), HttpStatusCode.NoContent);

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = await stream.Content.ReadAsStringAsync(patience.Token);
        Assert.True(clock.Elapsed < LogStreamLimitFactory.Limits.Lifetime, $"ended after {clock.Elapsed}, at its lifetime, not at the access check");
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(b => b.StartsWith("event: ", StringComparison.Ordinal)).ToList();
        Assert.StartsWith("event: error\ndata: {\"message\":\"Your access to this stream has ended", Assert.Single(events), StringComparison.Ordinal);
        await ProblemAsync(bob.GetAsync($"/api/deployments/{deployment}/logs?follow=true"), HttpStatusCode.Forbidden, "permission.denied");   // still in the organization
    }
}
