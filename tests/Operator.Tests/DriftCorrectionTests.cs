using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

/// <summary>What the operator owns is watched: an object deleted or edited by hand is put back, and a steady state writes nothing.</summary>
public sealed class DriftCorrectionTests : IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<Operator.OperatorRuntime> RunningAsync(TimeSpan? resync = null)
    {
        _h.Api.AutoReadyDeployments = true;
        var (runtime, _, _) = _h.StartOperator(Settings(resync: resync));
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await Eventually.TrueAsync(() => Phase(_h.Resource("shop")) == "Running", "phase Running");
        await Eventually.TrueAsync(() => runtime.Controller!.Synced && runtime.Controller.Queue.Depth == 0, "synced and idle");
        return runtime;
    }

    [Theory]
    [InlineData("v1", "services", "shop-web")]
    [InlineData("networking.k8s.io/v1", "networkpolicies", "shop-isolation")]
    [InlineData("networking.k8s.io/v1", "ingresses", "shop")]
    [InlineData("v1", "resourcequotas", "cleanscheduler-quota")]   // namespace-wide: no owner reference
    public async Task An_owned_object_deleted_by_hand_is_created_again_within_seconds(string apiVersion, string plural, string name)
    {
        await RunningAsync();   // resync: 1 h, so only the watch of the deleted object can bring it back
        var original = _h.Api.Get(apiVersion, plural, Namespace, name)!;
        var kind = KubeResource.Known.Single(k => k.ApiVersion == apiVersion && k.Plural == plural);

        await _h.Client.DeleteAsync(kind, Namespace, name);   // throws unless it was there; it may be back before we could look

        var again = await Eventually.WaitAsync(() => _h.Api.Get(apiVersion, plural, Namespace, name), $"{plural}/{name} created again", TimeSpan.FromSeconds(5));
        Assert.NotEqual((string?)original["metadata"]!["uid"], (string?)again["metadata"]!["uid"]);
        Assert.True(JsonNode.DeepEquals(original["spec"], again["spec"]), $"spec as rendered: {again["spec"]}");
    }

    [Fact]
    public async Task A_network_policy_edited_by_hand_is_restored()
    {
        await RunningAsync();
        var rendered = _h.Api.Get("networking.k8s.io/v1", "networkpolicies", Namespace, "shop-isolation")!["spec"]!.DeepClone();

        // Someone opens the deployment's pods to every namespace and drops a label (as `kubectl edit` would).
        using var intruder = _h.NewClient("kubectl-edit");
        await intruder.MergePatchAsync(KubeResource.NetworkPolicies, Namespace, "shop-isolation", new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app.kubernetes.io/part-of"] = null } },
            ["spec"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["from"] = new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject() }) }) },
        });

        var restored = await Eventually.WaitAsync(() => _h.Api.Get("networking.k8s.io/v1", "networkpolicies", Namespace, "shop-isolation") is { } p
            && JsonNode.DeepEquals(p["spec"], rendered) ? p : null, "the rendered policy restored", TimeSpan.FromSeconds(5));
        Assert.Equal("shop", (string?)restored["metadata"]!["labels"]!["app.kubernetes.io/part-of"]);
    }

    [Fact]
    public async Task A_deployment_edited_by_hand_is_restored()
    {
        await RunningAsync();
        using var intruder = _h.NewClient("kubectl-edit");
        await intruder.MergePatchAsync(KubeResource.Deployments, Namespace, "shop-web", new JsonObject
        {
            ["spec"] = new JsonObject { ["replicas"] = 7 },
        });

        await Eventually.TrueAsync(() => (int?)_h.Deployment("shop-web")!["spec"]!["replicas"] == 1, "replicas restored", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_steady_state_sends_no_request_over_several_resyncs()
    {
        var runtime = await RunningAsync(resync: TimeSpan.FromSeconds(1));
        await Task.Delay(300);
        _h.Api.ClearRequests();
        var lists = runtime.Controller!.ResourceLists;

        await Task.Delay(TimeSpan.FromSeconds(3.5));   // three resyncs, every resource reconciled each time

        var sent = _h.Api.Requests.Where(r => !r.Contains("watch=1", StringComparison.Ordinal)).ToList();
        Assert.True(sent.Count == 0, "requests sent: " + string.Join(", ", sent));
        Assert.Equal(lists, runtime.Controller.ResourceLists);
    }

    [Fact]
    public async Task Two_resources_of_one_namespace_that_disagree_on_its_tier_do_not_fight_in_a_loop()
    {
        // Hand-written, so not prevented (docs/operator.md): a free and a business resource in one namespace want other
        // namespace labels, quota and limit range. A change of a namespace-wide object queues the resource that last
        // applied it, not every resource of the namespace, so the two do not keep re-applying in turn.
        _h.Api.AutoReadyDeployments = true;
        var (runtime, _, _) = _h.StartOperator(Settings(resync: TimeSpan.FromHours(1)));
        var free = UserDeployment("cheap");
        free["spec"]!["tier"] = "free";
        await _h.Client.CreateAsync(KubeResource.UserDeployments, free);
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("rich"));
        await Eventually.TrueAsync(() => Phase(_h.Resource("cheap")) == "Running" && Phase(_h.Resource("rich")) == "Running", "both Running");
        await Task.Delay(500);
        _h.Api.ClearRequests();

        await Task.Delay(TimeSpan.FromSeconds(2));

        var writes = _h.Api.Requests.Where(r => !r.StartsWith("GET", StringComparison.Ordinal)).ToList();
        Assert.True(writes.Count == 0, $"{writes.Count} writes in 2 s with nothing changed: {string.Join(", ", writes.Take(6))}");
    }
}
