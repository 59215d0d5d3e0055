using System.Globalization;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;

/// <summary>
/// Stands in for the ReplicaSet controller, the scheduler and the kubelet of Deployments: every Deployment gets as many
/// running, ready pods as its spec asks (owned by it, so they go with it), named DEPLOYMENT-0, -1, ..., with a log
/// line; and the metrics server reports each running pod's usage, a slow wave so that a chart of it moves.
/// </summary>
internal sealed class FakeKubelet(KubeApiServerTestDouble api)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        api.MetricsServer = true;
        api.DefaultPodUsage = pod =>
        {
            var phase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 10_000.0 + ((string?)pod["metadata"]?["name"] ?? "").Length;
            return ($"{20 + (int)(15 * Math.Sin(phase))}m", $"{48 + (int)(8 * Math.Cos(phase))}Mi");
        };
        using var client = KubeClient.For(api.Address, "kubelet");
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var deployment in api.List("apps/v1", "deployments"))
            {
                try { await StepAsync(client, deployment, cancellationToken); }
                catch (KubeApiException) { }   // the Deployment went away meanwhile: the next round sees it gone
            }
            try { await Task.Delay(500, cancellationToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task StepAsync(IKubernetesClient client, JsonObject deployment, CancellationToken cancellationToken)
    {
        var (ns, name, uid) = ((string)deployment["metadata"]!["namespace"]!, (string)deployment["metadata"]!["name"]!, (string)deployment["metadata"]!["uid"]!);
        var replicas = (int?)deployment["spec"]?["replicas"] ?? 1;
        var template = deployment["spec"]?["template"];
        var owned = api.List("v1", "pods", ns).Where(p => (p["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(o => (string?)o?["uid"] == uid)).ToList();
        for (var i = 0; i < replicas; i++)
        {
            var pod = $"{name}-{i.ToString(CultureInfo.InvariantCulture)}";
            if (owned.Any(p => (string?)p["metadata"]!["name"] == pod)) continue;
            await client.CreateAsync(KubeResource.Pods, new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Pod",
                ["metadata"] = new JsonObject
                {
                    ["name"] = pod, ["namespace"] = ns, ["labels"] = template?["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name, ["uid"] = uid, ["controller"] = true }),
                },
                ["spec"] = template?["spec"]?.DeepClone() ?? new JsonObject(),
            }, cancellationToken);
            api.SetStatus("v1", "pods", ns, pod, new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = (string?)template?["spec"]?["containers"]?[0]?["name"] ?? "main", ["ready"] = true, ["restartCount"] = 0 }),
            });
            api.AppendLog(ns, pod, $"{pod} started");
        }
        foreach (var extra in owned.Where(p => !int.TryParse(((string)p["metadata"]!["name"]!)[(name.Length + 1)..], CultureInfo.InvariantCulture, out var n) || n >= replicas))
            await client.DeleteAsync(KubeResource.Pods, ns, (string)extra["metadata"]!["name"]!, cancellationToken: cancellationToken);
    }
}
