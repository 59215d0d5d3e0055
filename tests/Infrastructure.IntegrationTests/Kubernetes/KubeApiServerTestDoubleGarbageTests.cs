using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>The double's garbage collector, as the real one: dependents go with their owner, also those made after it went.</summary>
public sealed class KubeApiServerTestDoubleGarbageTests
{
    private static JsonObject ConfigMap(string name, JsonObject? owner = null) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject
        {
            ["name"] = name, ["namespace"] = "ns",
            ["ownerReferences"] = owner is null ? null : new JsonArray(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = (string?)owner["metadata"]!["name"], ["uid"] = (string?)owner["metadata"]!["uid"],
            }),
        },
    };

    [Fact]
    public async Task An_object_made_for_an_owner_already_deleted_is_collected_and_one_with_a_live_owner_stays()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync();
        using var client = KubeClient.For(api.Address);
        await client.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "ns" } });
        var gone = await client.CreateAsync(KubeResource.ConfigMaps, ConfigMap("gone"));
        var live = await client.CreateAsync(KubeResource.ConfigMaps, ConfigMap("live"));
        await client.DeleteAsync(KubeResource.ConfigMaps, "ns", "gone");

        var late = await client.CreateAsync(KubeResource.ConfigMaps, ConfigMap("late", owner: gone));   // a controller that had not seen the delete
        await client.CreateAsync(KubeResource.ConfigMaps, ConfigMap("kept", owner: live));

        Assert.Equal("late", (string?)late["metadata"]!["name"]);   // accepted, as the real server does
        Assert.Null(api.Get("v1", "configmaps", "ns", "late"));    // then collected
        Assert.NotNull(api.Get("v1", "configmaps", "ns", "kept"));
        await client.DeleteAsync(KubeResource.ConfigMaps, "ns", "live");
        Assert.Null(api.Get("v1", "configmaps", "ns", "kept"));
    }
}
