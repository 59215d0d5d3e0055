using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The log stream's reconnect (Last-Event-ID), ?since= and ?pod=, against the test API server's kubelet logs.</summary>
public sealed class LogStreamTests(ClusterApiFactory factory) : IClassFixture<ClusterApiFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private async Task<(Api Owner, string Id, string Namespace)> DeploymentAsync(string name)
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (_, team) = await owner.CreateOrgAsync();
        var template = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Static site").GetProperty("id").GetString()!;
        var id = (await owner.ExpectAsync(owner.PostAsync("/api/deployments",
            new { teamId = team, name, templateId = template, values = new Dictionary<string, string?>() }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var ns = $"sandbox-{team}";
        await Eventually.WaitAsync(() => factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", ns, name), "the UserDeployment", Patience);
        return (owner, id, ns);
    }

    private static JsonObject Labels(string instance) => new()
    {
        ["app.kubernetes.io/instance"] = instance, ["app.kubernetes.io/component"] = "web", ["app.kubernetes.io/name"] = "web",
    };

    /// <summary>The (id, pod, line) of every log event of a finished stream (follow=false).</summary>
    private static async Task<List<(string? Id, string Pod, string Line)>> LinesAsync(Api api, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await api.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Where(lines => lines.Contains("event: log"))
            .Select(lines =>
            {
                var data = JsonDocument.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]).RootElement;
                return (lines.SingleOrDefault(l => l.StartsWith("id: ", StringComparison.Ordinal))?[4..], data.GetProperty("pod").GetString()!, data.GetProperty("line").GetString()!);
            })
            .ToList();
    }

    [Fact]
    public async Task A_reconnect_with_last_event_id_gets_every_line_written_after_it_and_none_twice()
    {
        var (owner, id, ns) = await DeploymentAsync("again");
        factory.Kube.AddPod(ns, "again-web-1", Labels("again"), ["one", "two"], container: "web");
        var seen = await LinesAsync(owner, $"/api/deployments/{id}/logs?follow=false");
        Assert.Equal(["one", "two"], seen.Select(l => l.Line));
        Assert.All(seen, l => Assert.NotNull(l.Id));

        factory.Kube.AppendLog(ns, "again-web-1", "three");
        factory.Kube.AppendLog(ns, "again-web-1", "four");
        var after = await LinesAsync(owner, $"/api/deployments/{id}/logs?follow=false&tailLines=1", lastEventId: seen[^1].Id);

        Assert.Equal(["three", "four"], after.Select(l => l.Line));   // all of them: a reconnect is not a tail
        Assert.True(string.CompareOrdinal(after[0].Id, seen[^1].Id) > 0, $"{after[0].Id} after {seen[^1].Id}");
        await Api.ValidationProblemAsync(Task.Run(async () =>
        {
            using var bad = new HttpRequestMessage(HttpMethod.Get, $"/api/deployments/{id}/logs?follow=false") { Headers = { { "Last-Event-ID", "42" } } };
            return await owner.Http.SendAsync(bad);
        }), "lastEventId");
    }

    [Fact]
    public async Task A_reconnect_with_a_forged_old_last_event_id_keeps_the_tail_cap()
    {
        var (owner, id, ns) = await DeploymentAsync("flood");
        factory.Kube.AddPod(ns, "flood-web-1", Labels("flood"), Enumerable.Range(0, 10_005).Select(i => $"line-{i}"), container: "web");

        var lines = await LinesAsync(owner, $"/api/deployments/{id}/logs?follow=false", lastEventId: "0001-01-01T00:00:00.0000000Z");

        Assert.Equal(10_000, lines.Count);
        Assert.Equal(("line-5", "line-10004"), (lines[0].Line, lines[^1].Line));
    }

    [Fact]
    public async Task Since_and_pod_select_the_recent_lines_of_one_pod()
    {
        var (owner, id, ns) = await DeploymentAsync("picky");
        factory.Kube.AddPod(ns, "picky-web-1", Labels("picky"), ["old"], container: "web");
        factory.Kube.AddPod(ns, "picky-web-2", Labels("picky"), ["other pod"], container: "web");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        factory.Kube.AppendLog(ns, "picky-web-1", "new");
        factory.Kube.AppendLog(ns, "picky-web-2", "other pod, new");

        var recent = await LinesAsync(owner, $"/api/deployments/{id}/logs?follow=false&since=1s");
        var onePod = await LinesAsync(owner, $"/api/deployments/{id}/logs?follow=false&pod=picky-web-1");
        var sinceTime = await LinesAsync(owner, $"/api/deployments/{id}/logs?follow=false&pod=picky-web-1&since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O"))}");

        Assert.Equal([("picky-web-1", "new"), ("picky-web-2", "other pod, new")], recent.Select(l => (l.Pod, l.Line)).Order());
        Assert.Equal([("picky-web-1", "old"), ("picky-web-1", "new")], onePod.Select(l => (l.Pod, l.Line)));
        Assert.Equal([("picky-web-1", "new")], sinceTime.Select(l => (l.Pod, l.Line)));
        await Api.ValidationProblemAsync(owner.GetAsync($"/api/deployments/{id}/logs?since=yesterday"), "since");
        await Api.ValidationProblemAsync(owner.GetAsync($"/api/deployments/{id}/logs?pod=Not_A_Pod"), "pod");
    }
}
