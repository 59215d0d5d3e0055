using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// A UserDeployment's status from its owned Deployments (pure): per-service desired and ready replicas, the phase,
/// and the Ready / Progressing / Degraded conditions. A condition keeps its lastTransitionTime while its status holds.
/// A host conflict (another resource holds the host: no Ingress) makes it Degraded with reason HostConflict and no URL,
/// whatever the phase of its services.
/// </summary>
public static class UserDeploymentStatus
{
    public static JsonObject Compute(RenderInput input, long generation, Func<string, JsonObject?> deploymentNamed, JsonObject? previous, DateTimeOffset now,
        string? hostConflict = null)
    {
        var services = new JsonArray();
        var allReady = true;
        var allDown = true;
        string? failure = null;
        foreach (var service in input.Spec.Services)
        {
            var name = ManifestRenderer.ObjectName(input, service);
            var deployment = deploymentNamed(name);
            var desired = input.Running ? service.Replicas : 0;
            var status = deployment?["status"];
            var ready = (int?)status?["readyReplicas"] ?? 0;
            var current = (int?)status?["replicas"] ?? 0;
            var observed = (long?)status?["observedGeneration"] ?? 0;
            var upToDate = deployment is not null && observed >= ((long?)deployment["metadata"]?["generation"] ?? 1);
            if (!upToDate || ready < desired || (int?)deployment?["spec"]?["replicas"] != desired) allReady = false;
            if (current > 0) allDown = false;
            failure ??= Failure(deployment, service);
            services.Add(new JsonObject { ["name"] = service.Name, ["desiredReplicas"] = desired, ["readyReplicas"] = ready });
        }

        string phase, message;
        if (failure is not null) (phase, message) = ("Failed", failure);
        else if (!input.Running) (phase, message) = allDown ? ("Stopped", "Stopped: all services scaled to zero") : ("Provisioning", "Scaling down to zero");
        else if (allReady) (phase, message) = ("Running", "All services are ready");
        else (phase, message) = ("Provisioning", "Waiting for services to become ready");
        var (degraded, degradedReason, degradedMessage) = phase == "Failed" ? (true, "DeploymentFailed", message)
            : hostConflict is not null ? (true, "HostConflict", hostConflict)
            : (false, "AsExpected", "");

        var result = new JsonObject
        {
            ["phase"] = phase,
            ["message"] = degraded ? degradedMessage : message,
            ["observedGeneration"] = generation,
            ["urls"] = input.Running && hostConflict is null && input.Spec.Services.Any(s => s.Ports.Any(p => p.Public)) ? new JsonArray($"https://{input.Host}") : new JsonArray(),
            ["services"] = services,
            ["conditions"] = new JsonArray(
                Condition("Ready", phase == "Running", phase == "Running" ? "AllReplicasReady" : phase, message, generation, previous, now),
                Condition("Progressing", phase == "Provisioning", phase == "Provisioning" ? "Reconciling" : "Reconciled", message, generation, previous, now),
                Condition("Degraded", degraded, degradedReason, degradedMessage, generation, previous, now)),
        };
        return result;
    }

    /// <summary>Status for a resource that cannot be rendered (bad spec, missing template).</summary>
    public static JsonObject Invalid(string message, long generation, JsonObject? previous, DateTimeOffset now, string reason = "InvalidSpec") => new()
    {
        ["phase"] = "Failed",
        ["message"] = message,
        ["observedGeneration"] = generation,
        ["urls"] = new JsonArray(),
        ["services"] = new JsonArray(),
        ["conditions"] = new JsonArray(
            Condition("Ready", false, reason, message, generation, previous, now),
            Condition("Progressing", false, reason, message, generation, previous, now),
            Condition("Degraded", true, reason, message, generation, previous, now)),
    };

    private static string? Failure(JsonObject? deployment, ServiceSpec service)
    {
        foreach (var condition in deployment?["status"]?["conditions"] as JsonArray ?? [])
        {
            var type = (string?)condition?["type"];
            var status = (string?)condition?["status"];
            var reason = (string?)condition?["reason"];
            if ((type == "Progressing" && status == "False" && reason == "ProgressDeadlineExceeded") || (type == "ReplicaFailure" && status == "True"))
                return $"Service {service.Name}: {(string?)condition?["message"] ?? reason}";
        }
        return null;
    }

    private static JsonObject Condition(string type, bool on, string reason, string message, long generation, JsonObject? previous, DateTimeOffset now)
    {
        var status = on ? "True" : "False";
        var before = (previous?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);
        var since = before is not null && (string?)before["status"] == status && before["lastTransitionTime"] is { } kept
            ? (string)kept!
            : now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["type"] = type, ["status"] = status, ["reason"] = reason, ["message"] = message,
            ["lastTransitionTime"] = since, ["observedGeneration"] = generation,
        };
    }
}
