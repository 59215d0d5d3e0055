using System.Text.Json.Nodes;
using CleanScheduler.Operator.Controllers;

namespace CleanScheduler.Operator.Tests;

/// <summary>The controllers' compact cache: copies out, the newer resourceVersion wins.</summary>
public sealed class ObjectCacheTests
{
    private static JsonObject Item(string name, string resourceVersion, string phase) => new()
    {
        ["metadata"] = new JsonObject { ["namespace"] = "ns", ["name"] = name, ["resourceVersion"] = resourceVersion },
        ["status"] = new JsonObject { ["phase"] = phase },
    };

    [Fact]
    public void A_read_returns_the_stored_object_as_a_copy_that_the_caller_may_change()
    {
        var cache = new ObjectCache();
        var stored = Item("a", "5", "Running");
        cache.SetIfNewer("ns/a", stored);
        stored["status"]!["phase"] = "changed after storing";

        var read = cache.Get("ns/a")!;
        Assert.Equal("Running", (string?)read["status"]!["phase"]);
        read["status"]!["phase"] = "changed by a reader";
        Assert.Equal("Running", (string?)cache.Get("ns/a")!["status"]!["phase"]);
        Assert.Null(cache.Get("ns/missing"));
    }

    [Fact]
    public void An_older_copy_never_replaces_a_newer_one()
    {
        var cache = new ObjectCache();
        cache.SetIfNewer("ns/a", Item("a", "10", "Running"));
        cache.SetIfNewer("ns/a", Item("a", "9", "Pending"));   // a late watch event
        Assert.Equal("Running", (string?)cache.Get("ns/a")!["status"]!["phase"]);
        cache.SetIfNewer("ns/a", Item("a", "11", "Stopped"));
        Assert.Equal("Stopped", (string?)cache.Get("ns/a")!["status"]!["phase"]);
    }

    [Fact]
    public void Remove_hands_back_what_was_stored_and_forgets_it()
    {
        var cache = new ObjectCache();
        cache.SetIfNewer("ns/a", Item("a", "1", "Running"));
        cache.SetIfNewer("ns/b", Item("b", "2", "Running"));

        Assert.Equal("a", (string?)cache.Remove("ns/a")!["metadata"]!["name"]);
        Assert.Null(cache.Remove("ns/a"));
        Assert.False(cache.ContainsKey("ns/a"));
        Assert.Equal(["ns/b"], cache.Keys);
        Assert.Equal(1, cache.Count);
    }
}
