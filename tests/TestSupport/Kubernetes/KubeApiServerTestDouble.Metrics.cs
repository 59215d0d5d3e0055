using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport.Kubernetes;

// The resource metrics API (metrics.k8s.io/v1beta1) as a metrics-server serves it through its APIService: read-only
// PodMetrics of running pods (get, list with labelSelector; other verbs 405), and its discovery document. Without a
// metrics server (the default) the group is not served at all: 404 "page not found", as on a cluster without one.
public sealed partial class KubeApiServerTestDouble
{
    private readonly ConcurrentDictionary<(string Namespace, string Pod), (string Cpu, string Memory)> _podUsage = new();

    /// <summary>Whether the cluster has a metrics server: metrics.k8s.io/v1beta1 is served.</summary>
    public bool MetricsServer { get; set; }

    /// <summary>The metrics server's APIService is registered but its pods do not answer: every request to it is 503.</summary>
    public bool MetricsServerDown { get; set; }

    /// <summary>
    /// The usage of a running pod that <see cref="SetPodUsage"/> did not set; null (the default) leaves such pods out, as
    /// a metrics-server that has not scraped them yet does.
    /// </summary>
    public Func<JsonObject, (string Cpu, string Memory)?>? DefaultPodUsage { get; set; }

    /// <summary>What the metrics server reports for a pod (Kubernetes quantities, e.g. "250m" and "64Mi"), for its first container.</summary>
    public void SetPodUsage(string ns, string pod, string cpu, string memory) => _podUsage[(ns, pod)] = (cpu, memory);

    private const string MetricsGroupVersion = "metrics.k8s.io/v1beta1";

    /// <summary>Answers a request to the metrics API when there is a metrics server; false: not such a request.</summary>
    private async Task<bool> MetricsApiAsync(HttpContext context, string path)
    {
        if (!MetricsServer || !path.StartsWith("/apis/" + MetricsGroupVersion, StringComparison.Ordinal)) return false;
        if (MetricsServerDown)
        {
            await WriteAsync(context, Failure(503, "ServiceUnavailable", "the server is currently unable to handle the request", null));
            return true;
        }
        if (path.TrimEnd('/') == "/apis/" + MetricsGroupVersion)
        {
            await WriteAsync(context, new Response(200, new JsonObject
            {
                ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = MetricsGroupVersion,
                ["resources"] = new JsonArray(
                    new JsonObject { ["name"] = "nodes", ["singularName"] = "", ["namespaced"] = false, ["kind"] = "NodeMetrics", ["verbs"] = new JsonArray("get", "list") },
                    new JsonObject { ["name"] = "pods", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "PodMetrics", ["verbs"] = new JsonArray("get", "list") }),
            }));
            return true;
        }
        var route = Route.Parse(path);
        if (route is not { Plural: "pods", Subresource: null }) return false;   // 404 page not found
        if (context.Request.Method != "GET" || context.Request.Query["watch"] is var watch && (watch == "1" || watch == "true"))
        {
            await WriteAsync(context, Failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null));
            return true;
        }
        var selector = LabelSelector.Parse(context.Request.Query["labelSelector"].ToString());
        var measured = List("v1", "pods", route.Namespace)
            .Where(p => (string?)p["status"]?["phase"] == "Running" && selector.Matches(p) && (route.Name is null || (string?)p["metadata"]?["name"] == route.Name))
            .Select(PodMetricsOf).OfType<JsonObject>().ToList();
        if (route.Name is not null)
        {
            await WriteAsync(context, measured.Count == 1 ? new Response(200, measured[0])
                : Failure(404, "NotFound", $"podmetrics.metrics.k8s.io \"{route.Name}\" not found",
                    new JsonObject { ["name"] = route.Name, ["group"] = "metrics.k8s.io", ["kind"] = "pods" }));
            return true;
        }
        await WriteAsync(context, new Response(200, new JsonObject
        {
            ["kind"] = "PodMetricsList", ["apiVersion"] = MetricsGroupVersion, ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray(measured.Select(m => { m.Remove("kind"); m.Remove("apiVersion"); return (JsonNode)m; }).ToArray()),
        }));
        return true;
    }

    private JsonObject? PodMetricsOf(JsonObject pod)
    {
        var ns = (string)pod["metadata"]!["namespace"]!;
        var name = (string)pod["metadata"]!["name"]!;
        var usage = _podUsage.TryGetValue((ns, name), out var set) ? set : DefaultPodUsage?.Invoke(pod);
        if (usage is not { } u) return null;
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["kind"] = "PodMetrics", ["apiVersion"] = MetricsGroupVersion,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = now, ["labels"] = pod["metadata"]?["labels"]?.DeepClone() },
            ["timestamp"] = now, ["window"] = "10.5s",
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = (string?)pod["spec"]?["containers"]?[0]?["name"] ?? "main",
                ["usage"] = new JsonObject { ["cpu"] = u.Cpu, ["memory"] = u.Memory },
            }),
        };
    }
}
