using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Kubernetes;
using ResourceQuantity = k8s.Models.ResourceQuantity;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>
/// A deployment's services as <c>kubectl get deploy,pods</c> and <c>kubectl top pods</c> show them: the Deployments and
/// pods of its instance, and the pods' usage from the metrics API (<c>metrics.k8s.io/v1beta1</c> PodMetrics) when the
/// cluster serves it. Without a metrics server that API is not there (404), or its APIService does not answer (503), or
/// the server may not read it (403): the sample then says so instead of failing.
/// </summary>
public sealed class KubernetesDeploymentMetrics(IKubernetesClient kube, TimeProvider clock) : IDeploymentMetrics
{
    public static readonly KubeResource PodMetricsResource = new("metrics.k8s.io", "v1beta1", "pods", "PodMetrics");

    public async Task<DeploymentMetricsSample> SampleAsync(DeploymentWorkloads workloads, CancellationToken cancellationToken)
    {
        var selector = new ListOptions($"app.kubernetes.io/instance={workloads.Instance}");
        var (deployments, pods) = await ClusterErrors.Translate(async () => (
            (await kube.ListAsync(KubeResource.Deployments, workloads.Namespace, selector, cancellationToken)).Items,
            (await kube.ListAsync(KubeResource.Pods, workloads.Namespace, selector, cancellationToken)).Items));
        var usage = await UsageAsync(workloads.Namespace, selector, cancellationToken);

        var podsByService = pods.Where(p => Service(p) is not null && p["metadata"]?["deletionTimestamp"] is null).ToLookup(p => Service(p)!, StringComparer.Ordinal);
        var services = deployments.Where(d => Service(d) is not null).OrderBy(Service, StringComparer.Ordinal).Select(d =>
        {
            var service = Service(d)!;
            var podMetrics = podsByService[service].OrderBy(Name, StringComparer.Ordinal).Select(p =>
            {
                var used = usage?.GetValueOrDefault(Name(p));
                return new PodMetrics(Name(p), IsReady(p), Restarts(p), used?.Cpu, used?.Memory);
            }).ToList();
            return new ServiceMetrics(service, (int?)d["spec"]?["replicas"] ?? 1, (int?)d["status"]?["readyReplicas"] ?? 0, podMetrics.Sum(p => p.Restarts),
                usage is null ? null : podMetrics.Sum(p => p.CpuMillicores ?? 0), usage is null ? null : podMetrics.Sum(p => p.MemoryBytes ?? 0), podMetrics);
        }).ToList();
        return new DeploymentMetricsSample(clock.GetUtcNow(), usage is not null, services);
    }

    /// <summary>CPU (millicores) and memory (bytes) per pod name, summed over its containers; null when there is no metrics API to ask.</summary>
    private async Task<Dictionary<string, (double Cpu, long Memory)>?> UsageAsync(string ns, ListOptions selector, CancellationToken cancellationToken)
    {
        KubeList list;
        try
        {
            list = await kube.ListAsync(PodMetricsResource, ns, selector, cancellationToken);
        }
        catch (Exception e) when (e is KubeNotFoundException or KubeUnavailableException || e is KubeApiException { StatusCode: 403 })
        {
            return null;
        }
        return list.Items.Where(m => Name(m).Length > 0).ToDictionary(Name, m =>
        {
            var containers = (m["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => c["usage"]).ToList();
            return (containers.Sum(u => Quantity(u?["cpu"]) * 1000), (long)containers.Sum(u => Quantity(u?["memory"])));
        }, StringComparer.Ordinal);
    }

    /// <summary>A Kubernetes quantity ("250m", "1503124n", "12Mi") as a number of its unit.</summary>
    private static double Quantity(JsonNode? value) => value is null ? 0 : (double)new ResourceQuantity((string?)value ?? "0").ToDecimal();

    private static string Name(JsonObject o) => (string?)o["metadata"]?["name"] ?? "";

    private static string? Service(JsonObject o) => (string?)o["metadata"]?["labels"]?["app.kubernetes.io/component"];

    private static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray ?? []).Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True");

    private static int Restarts(JsonObject pod) =>
        (pod["status"]?["containerStatuses"] as JsonArray ?? []).Sum(c => (int?)c?["restartCount"] ?? 0);
}
