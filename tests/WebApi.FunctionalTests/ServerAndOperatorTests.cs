using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// The whole path: the API stores a deployment, the server's sync writes the UserDeployment (templateRef, Secret), the
/// built operator binary renders and applies it, and the status it reports comes back through GET. The test API
/// server stands in for the cluster with the CRDs of k8s/crds installed, so every write of a custom resource is checked
/// against their schemas as a real API server checks it (a server-side apply of an undeclared field is refused), and it
/// reports Deployments ready (AutoReadyDeployments) as a Deployment controller would.
/// </summary>
public sealed class ServerAndOperatorTests(ClusterApiFactory factory) : IClassFixture<ClusterApiFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private OperatorProcess? _operator;

    public Task InitializeAsync()
    {
        factory.Kube.AutoReadyDeployments = true;
        _operator = OperatorProcess.Start(factory.KubeconfigPath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _operator?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The phase; a Failed one ends the test at once with its message (the API server's refusal, say).</summary>
    private static async Task<string> PhaseAsync(Api api, string id)
    {
        var details = await api.ExpectAsync(api.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK);
        var phase = details.GetProperty("phase").GetString()!;
        Assert.False(phase == "Failed", $"deployment Failed: {details.GetProperty("phaseMessage")}");
        return phase;
    }

    [Fact]
    public async Task A_deployment_made_through_the_API_runs_stops_and_goes_away_in_the_cluster()
    {
        var (owner, team, id) = await OperatorProcess.DeployShopAsync(factory);
        try
        {
            await Eventually.WaitAsync(async () => await PhaseAsync(owner, id) == "Running" ? "" : null, "phase Running", Patience);
        }
        catch (TimeoutException)
        {
            var resources = factory.Kube.List("scheduler.cleanscheduler.io/v1alpha1", "userdeployments");
            throw new TimeoutException($"not Running; in the cluster: {string.Join("\n", resources.Select(r => r.ToJsonString()))}; requests: {string.Join("\n", factory.Kube.Requests.TakeLast(40))}; the operator's log: {_operator?.Log}");
        }
        var resource = factory.Kube.List("scheduler.cleanscheduler.io/v1alpha1", "userdeployments")
            .Single(r => (string?)r["metadata"]!["labels"]?["scheduler.cleanscheduler.io/deployment-id"] == id);
        var ns = (string)resource["metadata"]!["namespace"]!;
        Assert.Equal($"sandbox-{team}", ns);   // the team's namespace (KUBERNETES_NAMESPACE's default, sandbox-%s)
        Assert.Equal(["name", "version"], resource["spec"]!["templateRef"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal("Running", (string?)resource["status"]!["phase"]);

        var deployments = factory.Kube.List("apps/v1", "deployments", ns);
        Assert.Equal(["shop-app", "shop-db"], deployments.Select(d => (string)d["metadata"]!["name"]!).Order());
        var db = deployments.Single(d => (string?)d["metadata"]!["name"] == "shop-db");
        var password = db["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "POSTGRES_PASSWORD")!;
        Assert.Equal("shop.db.secrets", (string?)password["valueFrom"]!["secretKeyRef"]!["name"]);   // the Secret the server wrote for the service
        Assert.NotNull(factory.Kube.Get("networking.k8s.io/v1", "ingresses", ns, "shop"));

        await owner.ExpectAsync(owner.PostAsync($"/api/deployments/{id}/stop", new { }), HttpStatusCode.OK);
        await Eventually.WaitAsync(() => factory.Kube.List("apps/v1", "deployments", ns).All(d => (int?)d["spec"]!["replicas"] == 0) ? "" : null, "replicas 0", Patience);
        await Eventually.WaitAsync(async () => await PhaseAsync(owner, id) == "Stopped" ? "" : null, "phase Stopped once scaled down", Patience);

        await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{id}"), HttpStatusCode.NoContent);
        await Eventually.WaitAsync(() => factory.Kube.List("apps/v1", "deployments", ns).Count == 0
            && factory.Kube.Get("scheduler.cleanscheduler.io/v1alpha1", "userdeployments", ns, "shop") is null ? "" : null, "everything removed", Patience);

        // Neither the server nor the operator wrote a field the CRDs do not declare (the API server would have pruned it).
        Assert.DoesNotContain(factory.Kube.Warnings, w => w.Contains("/apis/scheduler.cleanscheduler.io/", StringComparison.Ordinal));
    }
}
