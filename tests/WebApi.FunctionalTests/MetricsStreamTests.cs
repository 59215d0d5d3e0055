using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;
using CleanScheduler.WebApi.Endpoints;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server with a cluster (the test API server), a sample every 200 ms, 2 metrics streams per user of 8 seconds each.</summary>
public sealed class MetricsStreamFactory : ClusterApiFactory
{
    public static readonly MetricsStreamLimits Limits = new(new LogStreamLimits(PerUser: 2, Lifetime: TimeSpan.FromSeconds(8), AccessCheck: TimeSpan.FromMilliseconds(300)),
        Interval: TimeSpan.FromMilliseconds(200));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(Limits));
    }
}

public sealed class MetricsStreamTests(MetricsStreamFactory factory) : IClassFixture<MetricsStreamFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A deployment "shop" of the Static site template (one service, web) whose namespace exists in the cluster.</summary>
    private async Task<(Api Owner, string Id, string Namespace)> DeploymentAsync()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (_, team) = await owner.CreateOrgAsync();
        var template = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Static site").GetProperty("id").GetString()!;
        var id = (await owner.ExpectAsync(owner.PostAsync("/api/deployments",
            new { teamId = team, name = "shop", templateId = template, values = new Dictionary<string, string?>() }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var ns = $"sandbox-{team}";
        await Eventually.WaitAsync(() => factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", ns, "shop"), "the UserDeployment", Patience);
        return (owner, id, ns);
    }

    /// <summary>What the operator and the controllers would make of it: a Deployment "shop-web" of 2 replicas, 1 ready, and its two pods.</summary>
    private async Task WorkloadsAsync(string ns)
    {
        using var kube = KubeClient.For(factory.Kube.Address);
        JsonObject Labels() => new() { ["app.kubernetes.io/instance"] = "shop", ["app.kubernetes.io/component"] = "web", ["app.kubernetes.io/name"] = "web" };
        await kube.CreateAsync(KubeResource.Deployments, new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "shop-web", ["namespace"] = ns, ["labels"] = Labels() },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 2, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/instance"] = "shop" } },
                ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = Labels() },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "nginx" }) } },
            },
        });
        factory.Kube.SetStatus("apps/v1", "deployments", ns, "shop-web", new JsonObject { ["replicas"] = 2, ["readyReplicas"] = 1 });
        foreach (var (pod, ready, restarts) in new[] { ("shop-web-a", true, 0), ("shop-web-b", false, 3) })
        {
            factory.Kube.AddPod(ns, pod, Labels(), ["up"], container: "web");
            factory.Kube.SetStatus("v1", "pods", ns, pod, new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
                ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "web", ["ready"] = ready, ["restartCount"] = restarts }),
            });
        }
        factory.Kube.AddPod(ns, "other-web-a", new JsonObject { ["app.kubernetes.io/instance"] = "other", ["app.kubernetes.io/component"] = "web" }, ["up"], container: "web");
    }

    /// <summary>Reads a stream's events (event, id, data) until <paramref name="enough"/> says so or the stream ends.</summary>
    private static async Task<List<(string Event, string? Id, JsonElement Data)>> ReadEventsAsync(
        HttpResponseMessage response, Func<List<(string Event, string? Id, JsonElement Data)>, bool> enough)
    {
        using var patience = new CancellationTokenSource(Patience);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(patience.Token));
        var events = new List<(string Event, string? Id, JsonElement Data)>();
        string? type = null, id = null, data = null;
        while (!enough(events) && await reader.ReadLineAsync(patience.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (type is not null && data is not null) events.Add((type, id, JsonDocument.Parse(data).RootElement.Clone()));
                (type, id, data) = (null, null, null);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }
        return events;
    }

    private static async Task<HttpResponseMessage> OpenAsync(Api api, string id, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/deployments/{id}/metrics");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    [Fact]
    public async Task With_a_metrics_server_samples_carry_replicas_restarts_and_each_pods_cpu_and_memory()
    {
        factory.Kube.MetricsServer = true;
        var (owner, id, ns) = await DeploymentAsync();
        await WorkloadsAsync(ns);
        factory.Kube.SetPodUsage(ns, "shop-web-a", cpu: "250m", memory: "64Mi");
        factory.Kube.SetPodUsage(ns, "shop-web-b", cpu: "1500000n", memory: "1Gi");
        factory.Kube.SetPodUsage(ns, "other-web-a", cpu: "1", memory: "1Gi");

        using var response = await OpenAsync(owner, id);
        var events = await ReadEventsAsync(response, e => e.Count(x => x.Event == "metrics") >= 2);

        Assert.DoesNotContain(events, e => e.Event == "unavailable");
        var samples = events.Where(e => e.Event == "metrics").ToList();
        Assert.True(long.Parse(samples[1].Id!) > long.Parse(samples[0].Id!), "ids are the samples' times, rising");
        var sample = samples[^1].Data;
        Assert.True(sample.GetProperty("podMetricsAvailable").GetBoolean());
        Assert.Equal(long.Parse(samples[^1].Id!), sample.GetProperty("at").GetDateTimeOffset().ToUnixTimeMilliseconds());
        var web = Assert.Single(sample.GetProperty("services").EnumerateArray());
        Assert.Equal(("web", 2, 1, 3), (web.GetProperty("service").GetString(), web.GetProperty("desiredReplicas").GetInt32(),
            web.GetProperty("readyReplicas").GetInt32(), web.GetProperty("restarts").GetInt32()));
        Assert.Equal(251.5, web.GetProperty("cpuMillicores").GetDouble(), precision: 6);
        Assert.Equal(64L * 1024 * 1024 + 1024L * 1024 * 1024, web.GetProperty("memoryBytes").GetInt64());
        var pods = web.GetProperty("pods").EnumerateArray().Select(p => (p.GetProperty("pod").GetString(), p.GetProperty("ready").GetBoolean(),
            p.GetProperty("restarts").GetInt32(), p.GetProperty("cpuMillicores").GetDouble(), p.GetProperty("memoryBytes").GetInt64())).ToList();
        Assert.Equal([("shop-web-a", true, 0, 250.0, 64L * 1024 * 1024), ("shop-web-b", false, 3, 1.5, 1024L * 1024 * 1024)], pods);
    }

    [Fact]
    public async Task Without_a_metrics_server_the_stream_says_not_available_once_and_goes_on_with_replicas()
    {
        factory.Kube.MetricsServer = false;
        var (owner, id, ns) = await DeploymentAsync();
        await WorkloadsAsync(ns);

        using var response = await OpenAsync(owner, id);
        var events = await ReadEventsAsync(response, e => e.Count(x => x.Event == "metrics") >= 3);

        Assert.Equal("unavailable", events[0].Event);
        Assert.Contains("metrics server", events[0].Data.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(events, e => e.Event == "unavailable");
        Assert.DoesNotContain(events, e => e.Event == "error");
        var web = events[^1].Data.GetProperty("services")[0];
        Assert.False(events[^1].Data.GetProperty("podMetricsAvailable").GetBoolean());
        Assert.Equal((2, 1, JsonValueKind.Null, JsonValueKind.Null), (web.GetProperty("desiredReplicas").GetInt32(), web.GetProperty("readyReplicas").GetInt32(),
            web.GetProperty("cpuMillicores").ValueKind, web.GetProperty("memoryBytes").ValueKind));
    }

    [Fact]
    public async Task A_reconnect_with_last_event_id_gets_its_next_sample_one_interval_after_it_not_at_once()
    {
        var (owner, id, _) = await DeploymentAsync();
        var last = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();   // a sample the client has just had

        using var response = await OpenAsync(owner, id, last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var first = (await ReadEventsAsync(response, e => e.Any(x => x.Event == "metrics"))).First(e => e.Event == "metrics");

        var gap = long.Parse(first.Id!) - last;
        Assert.True(gap >= MetricsStreamFactory.Limits.Interval.TotalMilliseconds - 20, $"the next sample came {gap} ms after the last one");
    }

    [Theory]
    [InlineData("253402300795000")]
    [InlineData("253402300799999")]
    public async Task A_last_event_id_at_the_end_of_time_waits_one_interval_and_streams(string lastEventId)
    {
        var (owner, id, _) = await DeploymentAsync();
        var opened = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        using var response = await OpenAsync(owner, id, lastEventId);
        var first = (await ReadEventsAsync(response, e => e.Any(x => x.Event == "metrics"))).First(e => e.Event == "metrics");

        var gap = long.Parse(first.Id!) - opened;
        Assert.True(gap >= MetricsStreamFactory.Limits.Interval.TotalMilliseconds - 20, $"the first sample came {gap} ms after the stream opened");
    }

    [Fact]
    public async Task Metrics_refuse_other_tenants_a_malformed_last_event_id_and_more_streams_than_the_limit()
    {
        var (owner, id, _) = await DeploymentAsync();
        var stranger = factory.As(ApiFactory.NewEmail("stranger"));
        await stranger.CreateOrgAsync();

        await Api.ProblemAsync(stranger.GetAsync($"/api/deployments/{id}/metrics"), HttpStatusCode.NotFound);
        using var bad = new HttpRequestMessage(HttpMethod.Get, $"/api/deployments/{id}/metrics") { Headers = { { "Last-Event-ID", "yesterday" } } };
        await Api.ValidationProblemAsync(owner.Http.SendAsync(bad), "lastEventId");

        using var first = await OpenAsync(owner, id);
        using var second = await OpenAsync(owner, id);
        using var logs = await owner.Http.GetAsync($"/api/deployments/{id}/logs?follow=true", HttpCompletionOption.ResponseHeadersRead);   // logs count apart
        Assert.Equal(HttpStatusCode.OK, logs.StatusCode);
        using var third = await owner.Http.GetAsync($"/api/deployments/{id}/metrics", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(TimeSpan.FromSeconds(10), third.Headers.RetryAfter?.Delta);
        await Api.ProblemAsync(Task.FromResult(third), HttpStatusCode.TooManyRequests, "metrics.too_many_streams");
    }
}
