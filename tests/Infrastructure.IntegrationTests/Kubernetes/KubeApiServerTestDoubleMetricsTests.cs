using System.Text.Json.Nodes;
using CleanScheduler.Infrastructure.Cluster;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>The test API server's metrics server (metrics.k8s.io) and kubelet log options, through our client, as a real cluster answers them.</summary>
public sealed class KubeApiServerTestDoubleMetricsTests : IAsyncLifetime
{
    private KubeApiServerTestDouble _api = null!;
    private KubernetesApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        _client = KubeClient.For(_api.Address);
        await _client.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "ns" } });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task Without_a_metrics_server_the_metrics_api_is_not_served()
    {
        var error = await Assert.ThrowsAsync<KubeNotFoundException>(() => _client.ListAsync(KubernetesDeploymentMetrics.PodMetricsResource, "ns"));

        Assert.Equal("", error.Reason);   // "404 page not found", not a Status: the group does not exist
    }

    [Fact]
    public async Task A_metrics_server_lists_the_measured_running_pods_that_match_and_refuses_writes()
    {
        _api.MetricsServer = true;
        _api.AddPod("ns", "web-1", new JsonObject { ["app"] = "web" }, ["up"]);
        _api.AddPod("ns", "web-2", new JsonObject { ["app"] = "web" }, ["up"]);              // running, not scraped yet
        _api.AddPod("ns", "web-3", new JsonObject { ["app"] = "web" }, lines: null);         // pending
        _api.AddPod("ns", "db-1", new JsonObject { ["app"] = "db" }, ["up"]);
        foreach (var pod in new[] { "web-1", "web-2", "db-1" }) _api.SetStatus("v1", "pods", "ns", pod, new JsonObject { ["phase"] = "Running" });   // as the kubelet reports
        _api.SetPodUsage("ns", "web-1", "250m", "64Mi");
        _api.SetPodUsage("ns", "web-3", "1", "1Gi");
        _api.SetPodUsage("ns", "db-1", "1", "1Gi");

        var list = await _client.ListAsync(KubernetesDeploymentMetrics.PodMetricsResource, "ns", new ListOptions("app=web"));

        var item = Assert.Single(list.Items);
        Assert.Equal(("web-1", "250m", "64Mi"), ((string?)item["metadata"]!["name"], (string?)item["containers"]![0]!["usage"]!["cpu"], (string?)item["containers"]![0]!["usage"]!["memory"]));
        Assert.Equal(405, (await Assert.ThrowsAsync<KubeApiException>(() => _client.CreateAsync(KubernetesDeploymentMetrics.PodMetricsResource,
            new JsonObject { ["apiVersion"] = "metrics.k8s.io/v1beta1", ["kind"] = "PodMetrics", ["metadata"] = new JsonObject { ["name"] = "x", ["namespace"] = "ns" } }))).StatusCode);
    }

    [Theory]
    [InlineData(false, false)]   // no metrics server: 404
    [InlineData(true, true)]     // its APIService does not answer: 503
    [InlineData(true, false)]
    public async Task The_adapter_samples_replicas_always_and_cpu_and_memory_only_from_a_metrics_server_that_answers(bool metricsServer, bool down)
    {
        (_api.MetricsServer, _api.MetricsServerDown) = (metricsServer, down);
        var labels = new JsonObject { ["app.kubernetes.io/instance"] = "shop", ["app.kubernetes.io/component"] = "web" };
        await _client.CreateAsync(KubeResource.Deployments, new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["metadata"] = new JsonObject { ["name"] = "shop-web", ["namespace"] = "ns", ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject { ["replicas"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() }, ["template"] = new JsonObject() },
        });
        _api.SetStatus("apps/v1", "deployments", "ns", "shop-web", new JsonObject { ["readyReplicas"] = 1 });
        _api.AddPod("ns", "shop-web-1", labels, ["up"]);
        _api.SetStatus("v1", "pods", "ns", "shop-web-1", new JsonObject { ["phase"] = "Running" });
        _api.SetPodUsage("ns", "shop-web-1", "100m", "1Mi");

        var sample = await new KubernetesDeploymentMetrics(_client, TimeProvider.System).SampleAsync(new Application.Common.DeploymentWorkloads("ns", "shop"), CancellationToken.None);

        var web = Assert.Single(sample.Services);
        Assert.Equal((1, 1), (web.DesiredReplicas, web.ReadyReplicas));
        var answers = metricsServer && !down;
        Assert.Equal(answers, sample.PodMetricsAvailable);
        Assert.Equal(answers ? 100.0 : null, web.CpuMillicores);
        Assert.Equal(answers ? 1024L * 1024 : null, Assert.Single(web.Pods).MemoryBytes);
    }

    [Fact]
    public async Task Logs_carry_their_times_and_since_seconds_leaves_out_older_lines()
    {
        _api.AddPod("ns", "web-1", new JsonObject { ["app"] = "web" }, ["old"]);
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        _api.AppendLog("ns", "web-1", "new");

        await using var all = (await _client.GetLogsAsync("ns", "web-1", null, follow: false, timestamps: true))!;
        await using var recent = (await _client.GetLogsAsync("ns", "web-1", null, follow: false, sinceSeconds: 1))!;

        var lines = (await new StreamReader(all).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["old", "new"], lines.Select(l => l[(l.IndexOf(' ') + 1)..]));
        Assert.True(DateTimeOffset.Parse(lines[1][..lines[1].IndexOf(' ')], System.Globalization.CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(lines[0][..lines[0].IndexOf(' ')], System.Globalization.CultureInfo.InvariantCulture) >= TimeSpan.FromSeconds(2));
        Assert.Equal("new\n", await new StreamReader(recent).ReadToEndAsync());
    }
}
