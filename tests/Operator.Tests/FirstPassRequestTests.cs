using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

/// <summary>What the operator sends for new resources (issue [11]): one write per owned object, the namespace-wide ones once per namespace, one status write per resource, no finalizer.</summary>
public sealed class FirstPassRequestTests : IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task The_first_pass_of_resources_in_one_namespace_writes_each_object_once_and_each_status_once()
    {
        const int Count = 12;
        _h.Api.AutoReadyDeployments = true;
        for (var i = 0; i < Count; i++) await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment($"app{i}"));
        _h.Api.ClearRequests();
        _h.StartOperator(Settings() with { Workers = 4 });   // reconciles of one namespace at the same time

        await Eventually.TrueAsync(() => Enumerable.Range(0, Count).All(i => Phase(_h.Resource($"app{i}")) == "Running"), "every resource Running");

        var writes = _h.Api.Requests.Where(r => !r.StartsWith("GET ", StringComparison.Ordinal)).Select(r => r.Split('?')[0]).ToList();
        Assert.All(writes.GroupBy(w => w), g => Assert.True(g.Count() == 1, $"{g.Key} written {g.Count()} times"));
        foreach (var plural in new[] { "resourcequotas", "limitranges" })
            Assert.Single(writes, w => w.Contains($"/{plural}/", StringComparison.Ordinal));
        for (var i = 0; i < Count; i++)
            Assert.Single(writes, w => w.Contains($"/userdeployments/app{i}", StringComparison.Ordinal) && w.EndsWith($"/app{i}/status", StringComparison.Ordinal));
        Assert.DoesNotContain(writes, w => w.StartsWith("PATCH", StringComparison.Ordinal) && w.Contains("/userdeployments/", StringComparison.Ordinal) && !w.EndsWith("/status", StringComparison.Ordinal));
        // Per resource: its own objects (each written once, above) and its status; nothing else.
        var perResource = writes.Count(w => w.Contains("/app0", StringComparison.Ordinal));
        var shared = writes.Count(w => !Enumerable.Range(0, Count).Any(i => w.Contains($"/app{i}", StringComparison.Ordinal)));
        Assert.Equal(Count * perResource + shared, writes.Count);
    }

    [Fact]
    public async Task A_Deployment_status_update_the_resource_status_does_not_read_queues_no_reconcile()
    {
        var (runtime, metrics, _) = _h.StartOperator(Settings() with { Workers = 1 });   // one worker: keys are reconciled in the order queued
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("other"));
        string[] deployments = ["shop-web", "shop-db", "other-web", "other-db"];
        await Eventually.TrueAsync(() => deployments.All(d => _h.Deployment(d) is not null), "the Deployments");
        foreach (var deployment in deployments) SetDeploymentStatus(deployment, ready: 1);
        await Eventually.TrueAsync(() => Phase(_h.Resource("shop")) == "Running" && Phase(_h.Resource("other")) == "Running", "both Running");
        // Let the last watch events of the first pass arrive (slowly on a loaded machine): the count holds still for 1 s.
        var before = long.Parse(await Eventually.WaitAsync(async () =>
        {
            var seen = metrics.Total("userdeployment");
            await Task.Delay(1000);
            return runtime.Controller!.Queue.Idle && metrics.Total("userdeployment") == seen ? seen.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        }, "no reconcile for 1 s"), System.Globalization.CultureInfo.InvariantCulture);

        // The Deployment controller's bookkeeping (available/updated replicas, a condition's lastUpdateTime): nothing the status reads.
        SetDeploymentStatus("shop-web", ready: 1, available: 0, progressUpdated: "2026-11-30T12:00:00Z");
        await Task.Delay(1500);   // a watch event reaches the operator within milliseconds
        await Eventually.TrueAsync(() => runtime.Controller!.Queue.Idle, "an idle queue");
        Assert.Equal(before, metrics.Total("userdeployment"));
        Assert.Equal("Running", Phase(_h.Resource("shop")));

        // A change it does read is still seen (the events flow).
        SetDeploymentStatus("shop-web", ready: 0);
        await Eventually.TrueAsync(() => Phase(_h.Resource("shop")) == "Provisioning", "shop Provisioning");
    }

    private void SetDeploymentStatus(string deployment, int ready, int? available = null, string progressUpdated = "2026-11-30T11:00:00Z") =>
        _h.Api.SetStatus("apps/v1", "deployments", Namespace, deployment, new JsonObject
        {
            ["observedGeneration"] = (long?)_h.Deployment(deployment)!["metadata"]!["generation"],
            ["replicas"] = 1, ["readyReplicas"] = ready, ["availableReplicas"] = available ?? ready, ["updatedReplicas"] = available ?? ready,
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Progressing", ["status"] = "True", ["reason"] = "NewReplicaSetAvailable", ["lastUpdateTime"] = progressUpdated,
            }),
        }, "kube-controller-manager");
}
