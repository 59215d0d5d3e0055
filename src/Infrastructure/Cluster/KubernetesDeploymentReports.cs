using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Kubernetes;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>
/// The server's UserDeployments (those with its managed-by label), as <see cref="DeploymentReport"/>s: listed, then
/// watched from the list's resourceVersion (<see cref="ResourceWatcher"/>: bookmarks, re-list on 410, back-off).
/// </summary>
public sealed class KubernetesDeploymentReports(IKubernetesClient kube, ILogger<KubernetesDeploymentReports> logger) : IDeploymentReports
{
    public Task FollowAsync(IDeploymentReportHandler handler, TimeSpan maxBackoff, CancellationToken cancellationToken) =>
        new ResourceWatcher(kube, KubeResource.UserDeployments, null, ClusterNames.Selector, new Handler(handler), logger) { MaxBackoff = maxBackoff }
            .RunAsync(cancellationToken);

    public Task<IReadOnlyList<DeploymentReport>> ListAsync(CancellationToken cancellationToken) => ClusterErrors.Translate(async () =>
    {
        var list = await kube.ListAsync(KubeResource.UserDeployments, null, new ListOptions(ClusterNames.Selector, Limit: 500), cancellationToken);
        return (IReadOnlyList<DeploymentReport>)list.Items.Select(ReportOf).ToList();
    });

    private sealed class Handler(IDeploymentReportHandler handler) : IWatchHandler
    {
        public Task OnListAsync(IReadOnlyList<JsonObject> items, CancellationToken cancellationToken) =>
            handler.OnListAsync(items.Select(ReportOf).ToList(), cancellationToken);

        public Task OnEventAsync(WatchEventType type, JsonObject item, CancellationToken cancellationToken) => type switch
        {
            WatchEventType.Deleted => handler.OnRemovedAsync(ReportOf(item), cancellationToken),
            _ => handler.OnChangedAsync(ReportOf(item), cancellationToken),
        };
    }

    /// <summary>
    /// What a UserDeployment says. Whatever is malformed is left out (the status is written by an operator, but anyone
    /// with access to the cluster can edit it); the use case bounds the texts.
    /// </summary>
    public static DeploymentReport ReportOf(JsonObject resource)
    {
        var metadata = resource["metadata"];
        var labels = metadata?["labels"];
        var id = Guid.TryParse(Text(labels?[ClusterNames.DeploymentIdLabel]), out var parsed) ? parsed : (Guid?)null;
        var serverMade = Text(labels?[ClusterNames.ManagedByLabel]) == ClusterNames.ManagedBy && id is not null;
        var organization = Guid.TryParse(Text(resource["spec"]?["owner"]?["organizationId"]), out var org) ? org : (Guid?)null;
        ReportedStatus? status = null;
        if (resource["status"] is JsonObject s && Text(s["phase"]) is { } phase)
            status = new ReportedStatus(phase, Text(s["message"]), Long(s["observedGeneration"]), ObservationOf(s));
        return new DeploymentReport(id, Text(metadata?["namespace"]) ?? "", Text(metadata?["name"]) ?? "", serverMade, organization,
            Long(metadata?["generation"]) ?? 0, Text(resource["spec"]?["desiredState"]), status);
    }

    private static ClusterObservation ObservationOf(JsonObject status)
    {
        var conditions = (status["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(c => Text(c["type"]) is { Length: > 0 } && Text(c["status"]) is { Length: > 0 })
            .Take(DeploymentMaxItems)
            .Select(c => new ObservedCondition(Text(c["type"])!, Text(c["status"])!, Text(c["reason"]) ?? "", Text(c["message"]) ?? "",
                DateTimeOffset.TryParse(Text(c["lastTransitionTime"]), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null))
            .ToList();
        var services = (status["services"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(s => Text(s["name"]) is { Length: > 0 })
            .Take(DeploymentMaxItems)
            .Select(s => new ObservedService(Text(s["name"])!, Count(s["desiredReplicas"]), Count(s["readyReplicas"])))
            .ToList();
        return new ClusterObservation(conditions, services);
    }

    /// <summary>A bound on what is read at all (the use case keeps fewer).</summary>
    private const int DeploymentMaxItems = 64;

    private static int Count(JsonNode? node) => (int)Math.Clamp(Long(node) ?? 0, 0, int.MaxValue);

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : node is JsonValue w && w.TryGetValue<int>(out var i) ? i : node is JsonValue d && d.TryGetValue<double>(out var x) ? (long)x : null;
}
