using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// A UserDeployment's status from its owned Deployments (pure): per-service desired and ready replicas, the phase,
/// and the Ready / Progressing / Degraded conditions. A condition keeps its lastTransitionTime while its status holds.
/// A host conflict (another resource holds the host: no Ingress) makes it Degraded with reason HostConflict and no URL,
/// whatever the phase of its services. Every status names the spec it describes: its generation and its revision
/// (<see cref="Of"/>), which the server's sync compares with the deployment's.
/// </summary>
public static class UserDeploymentStatuses
{
    /// <summary>What a status says it describes: the resource's metadata.generation and spec.revision (null when absent).</summary>
    public sealed record Of(long Generation, long? Revision);

    public static UserDeploymentStatus Compute(RenderInput input, Of spec, Func<string, JsonObject?> deploymentNamed, UserDeploymentStatus? previous,
        DateTimeOffset now, string? hostConflict = null)
    {
        var services = new List<ServiceStatus>();
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
            services.Add(new ServiceStatus(service.Name, desired, ready));
        }

        string phase, message;
        if (failure is not null) (phase, message) = ("Failed", failure);
        else if (!input.Running) (phase, message) = allDown ? ("Stopped", "Stopped: all services scaled to zero") : ("Provisioning", "Scaling down to zero");
        else if (allReady) (phase, message) = ("Running", "All services are ready");
        else (phase, message) = ("Provisioning", "Waiting for services to become ready");
        var (degraded, degradedReason, degradedMessage) = phase == "Failed" ? (true, "DeploymentFailed", message)
            : hostConflict is not null ? (true, "HostConflict", hostConflict)
            : (false, "AsExpected", "");

        return new UserDeploymentStatus(
            phase,
            degraded ? degradedMessage : message,
            spec.Generation,
            spec.Revision,
            input.Running && hostConflict is null && input.Spec.Services.Any(s => s.Ports.Any(p => p.Public)) ? [$"https://{input.Host}"] : [],
            services,
            [
                Condition("Ready", phase == "Running", phase == "Running" ? "AllReplicasReady" : phase, message, spec, previous, now),
                Condition("Progressing", phase == "Provisioning", phase == "Provisioning" ? "Reconciling" : "Reconciled", message, spec, previous, now),
                Condition("Degraded", degraded, degradedReason, degradedMessage, spec, previous, now),
            ]);
    }

    /// <summary>Status for a resource that cannot be rendered (bad spec, missing template).</summary>
    public static UserDeploymentStatus Invalid(string message, Of spec, UserDeploymentStatus? previous, DateTimeOffset now, string reason = "InvalidSpec") => new(
        "Failed", message, spec.Generation, spec.Revision, [], [],
        [
            Condition("Ready", false, reason, message, spec, previous, now),
            Condition("Progressing", false, reason, message, spec, previous, now),
            Condition("Degraded", true, reason, message, spec, previous, now),
        ]);

    private static string? Failure(JsonObject? deployment, ServiceSpec service) =>
        FailureConditions(deployment?["status"]).Select(c => $"Service {service.Name}: {(string?)c["message"] ?? (string?)c["reason"]}").FirstOrDefault();

    /// <summary>The conditions of a Deployment's status that make it Failed: its progress deadline exceeded, or a replica failure.</summary>
    public static IEnumerable<JsonNode> FailureConditions(JsonNode? deploymentStatus) =>
        (deploymentStatus?["conditions"] as JsonArray ?? []).OfType<JsonNode>().Where(c =>
            ((string?)c["type"], (string?)c["status"], (string?)c["reason"]) is ("Progressing", "False", "ProgressDeadlineExceeded") or ("ReplicaFailure", "True", _));

    private static Condition Condition(string type, bool on, string reason, string message, Of spec, UserDeploymentStatus? previous, DateTimeOffset now)
    {
        var status = on ? "True" : "False";
        var before = previous?.Conditions?.FirstOrDefault(c => c?.Type == type);
        var since = before is { LastTransitionTime: { } kept } && before.Status == status ? kept : now;
        return new Condition(type, status, reason, message, since, spec.Generation);
    }
}
