using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>The double's watch streams against transcripts 08, 08c and 08d, through our client.</summary>
public sealed class KubeApiServerTestDoubleWatchTests
{
    [Fact]
    public async Task The_mutations_of_transcript_08_give_the_same_events_and_a_no_op_gives_none()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        api.BookmarkInterval = TimeSpan.FromMilliseconds(300);
        using var client = KubeClient.For(api.Address);
        await client.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "ns" } });
        var list = await client.ListAsync(KubeResource.UserDeployments, "ns");

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<WatchEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in client.WatchAsync(KubeResource.UserDeployments, "ns", new WatchOptions(list.ResourceVersion), stop.Token))
            {
                events.Add(e);
                if (e.Type == WatchEventType.Bookmark && events.Any(x => x.Type == WatchEventType.Deleted)) break;
            }
        });
        var ud = new JsonObject
        {
            ["apiVersion"] = CustomResources.ApiVersion, ["kind"] = "UserDeployment",
            ["metadata"] = new JsonObject { ["name"] = "watch-demo", ["namespace"] = "ns" },
            ["spec"] = new JsonObject { ["desiredState"] = "running" },
        };
        await client.CreateAsync(KubeResource.UserDeployments, ud);
        await client.MergePatchAsync(KubeResource.UserDeployments, "ns", "watch-demo", new JsonObject { ["spec"] = new JsonObject { ["desiredState"] = "stopped" } });
        var status = new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running" } };
        await client.MergePatchAsync(KubeResource.UserDeployments, "ns", "watch-demo", status, "status");
        await client.MergePatchAsync(KubeResource.UserDeployments, "ns", "watch-demo", (JsonObject)status.DeepClone(), "status"); // no-op: no event
        await client.MergePatchAsync(KubeResource.UserDeployments, "ns", "watch-demo", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray("scheduler.cleanscheduler.io/cleanup") } });
        Assert.NotNull(await client.DeleteAsync(KubeResource.UserDeployments, "ns", "watch-demo"));
        await client.MergePatchAsync(KubeResource.UserDeployments, "ns", "watch-demo", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } });
        await watching;

        var recorded = Transcript.Load("08-watch-events-bookmark.txt")[0].ResponseBody.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (string)JsonNode.Parse(line)!["type"]!).ToList();
        // Bookmarks come with time, not with changes: one may fall between two changes on a slow machine. The changes
        // are the recorded ones in order, and the stream ends (as recorded) with a bookmark after them.
        Assert.Equal(recorded.Where(t => t != "BOOKMARK"), events.Where(e => e.Type != WatchEventType.Bookmark).Select(e => e.Type.ToString().ToUpperInvariant()));
        Assert.Equal("BOOKMARK", recorded[^1]);
        var bookmark = events[^1].Object;
        Assert.Equal(WatchEventType.Bookmark, events[^1].Type);
        Assert.Equal(["apiVersion", "kind", "metadata"], bookmark.Select(p => p.Key).Order());
        Assert.Equal(events[^2].ResourceVersion, events[^1].ResourceVersion);
    }

    [Fact]
    public async Task A_watch_without_resource_version_starts_with_the_existing_objects_and_an_expired_one_gets_the_410_event()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        using var client = KubeClient.For(api.Address);
        await client.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "ns" } });
        foreach (var name in new[] { "a", "b" })
            await client.CreateAsync(KubeResource.ConfigMaps, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns" } });

        var initial = new List<WatchEvent>();
        await foreach (var e in client.WatchAsync(KubeResource.ConfigMaps, "ns", new WatchOptions(null, AllowBookmarks: false, TimeoutSeconds: 1))) initial.Add(e);
        Assert.Equal([WatchEventType.Added, WatchEventType.Added], initial.Select(e => e.Type));

        var version = (await client.ListAsync(KubeResource.ConfigMaps, "ns")).ResourceVersion;
        api.CompactHistory();
        var recorded = Transcript.Load("08d-watch-too-old-or-future-resourceversion.txt")[0];
        var gone = await Assert.ThrowsAsync<KubeGoneException>(async () =>
        {
            await foreach (var _ in client.WatchAsync(KubeResource.ConfigMaps, "ns", new WatchOptions(version))) { }
        });
        Assert.Equal((string?)recorded.ResponseJson!["object"]!["reason"], gone.Reason);
        Assert.StartsWith($"too old resource version: {version} (", gone.ApiMessage);
    }
}
