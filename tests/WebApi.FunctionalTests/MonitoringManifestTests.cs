using System.Diagnostics;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.WebApi.Configuration;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary><c>kubectl kustomize k8s/monitoring</c>: ServiceMonitors that reach the metrics ports of the base, and the Grafana dashboard.</summary>
public sealed class MonitoringManifestTests
{
    private static readonly Lazy<IReadOnlyList<JsonObject>> Base = new(() => Render("k8s"));
    private static readonly Lazy<IReadOnlyList<JsonObject>> Monitoring = new(() => Render("k8s/monitoring"));

    private static IReadOnlyList<JsonObject> Render(string directory)
    {
        using var process = Process.Start(new ProcessStartInfo("kubectl", ["kustomize", RepoPaths.Of(directory.Split('/'))]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory} failed: {error}");
        return YamlJson.Documents(output).ToList();
    }

    private static IEnumerable<JsonObject> OfKind(IEnumerable<JsonObject> objects, string kind) => objects.Where(o => (string?)o["kind"] == kind);

    private static bool Selects(JsonNode? selector, JsonNode? labels) =>
        selector!.AsObject().All(p => (string?)labels?[p.Key] == (string?)p.Value);

    [Fact]
    public void Each_ServiceMonitor_reaches_a_container_metrics_port_through_a_metrics_Service_of_its_own()
    {
        var monitors = OfKind(Monitoring.Value, "ServiceMonitor").ToList();
        var services = OfKind(Base.Value, "Service").ToList();
        var deployments = OfKind(Base.Value, "Deployment").ToList();

        Assert.Equal(["cleanscheduler-operator", "cleanscheduler-server"], monitors.Select(m => (string)m["metadata"]!["name"]!).Order());
        foreach (var monitor in monitors)
        {
            Assert.Equal("cleanscheduler-system", (string?)monitor["metadata"]!["namespace"]);
            var service = Assert.Single(services, s => Selects(monitor["spec"]!["selector"]!["matchLabels"], s["metadata"]!["labels"]));
            var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
            Assert.Equal("/metrics", (string?)endpoint["path"]);
            var port = Assert.Single(service["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == (string?)endpoint["port"])!;
            var deployment = Assert.Single(deployments, d => Selects(service["spec"]!["selector"], d["spec"]!["template"]!["metadata"]!["labels"]));
            var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
            var containerPort = Assert.Single(container["ports"]!.AsArray(), p => (string?)p!["name"] == (string?)port["targetPort"])!;

            var listens = (string?)monitor["metadata"]!["name"] == "cleanscheduler-server"
                ? (string)Assert.Single(OfKind(Base.Value, "ConfigMap"), c => (string?)c["metadata"]!["name"] == "cleanscheduler-server")["data"]!["METRICS_ADDR"]!
                : (string)container["env"]!.AsArray().Single(e => (string?)e!["name"] == "METRICS_BIND_ADDRESS")!["value"]!;
            Assert.True(ListenAddress.TryParse(listens, out var address));
            Assert.Equal(address.Port, (int)containerPort["containerPort"]!);
        }
        var api = Assert.Single(services, s => (string?)s["metadata"]!["name"] == "cleanscheduler-server");
        Assert.DoesNotContain(api["spec"]!["ports"]!.AsArray(), p => (string?)p!["targetPort"] == "metrics");
    }

    [Fact]
    public void The_dashboard_ships_as_a_ConfigMap_the_Grafana_sidecar_loads()
    {
        var configMap = Assert.Single(OfKind(Monitoring.Value, "ConfigMap"));

        Assert.Equal("1", (string?)configMap["metadata"]!["labels"]!["grafana_dashboard"]);
        Assert.Equal(File.ReadAllText(RepoPaths.Of("k8s", "monitoring", "grafana-dashboard.json")), (string?)configMap["data"]!["cleanscheduler.json"]);
        Assert.Contains("scheduler_api_request_duration_seconds", GrafanaDashboard.MetricNames());
    }
}
