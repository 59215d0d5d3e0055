using System.Text.Json;
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
    /// What a UserDeployment says. The status is read as the operator writes it (<see cref="UserDeploymentStatus"/>);
    /// the status is written by an operator, but anyone with access to the cluster can edit it: one with a field of the
    /// wrong JSON type is no report (null), conditions and services without a name are left out, and at most
    /// <see cref="MaxItems"/> of each are read (the use case bounds the texts and keeps fewer).
    /// </summary>
    public static DeploymentReport ReportOf(JsonObject resource)
    {
        var metadata = resource["metadata"];
        var labels = metadata?["labels"];
        var id = Guid.TryParse(Text(labels?[ClusterNames.DeploymentIdLabel]), out var parsed) ? parsed : (Guid?)null;
        var serverMade = Text(labels?[ClusterNames.ManagedByLabel]) == ClusterNames.ManagedBy && id is not null;
        var organization = Guid.TryParse(Text(resource["spec"]?["owner"]?["organizationId"]), out var org) ? org : (Guid?)null;
        var generation = metadata?["generation"] is JsonValue g && long.TryParse(g.ToJsonString(), out var n) ? n : 0;
        return new DeploymentReport(id, Text(metadata?["namespace"]) ?? "", Text(metadata?["name"]) ?? "", serverMade, organization,
            generation, Text(resource["spec"]?["desiredState"]), StatusOf(resource["status"]));
    }

    private static ReportedStatus? StatusOf(JsonNode? node)
    {
        if (node is not JsonObject) return null;
        UserDeploymentStatus status;
        try { status = CustomResources.From<UserDeploymentStatus>(node); }
        catch (JsonException) { return null; }
        if (status.Phase is null) return null;
        var conditions = (status.Conditions ?? []).Where(c => c is { Type.Length: > 0, Status.Length: > 0 }).Take(MaxItems)
            .Select(c => new ObservedCondition(c.Type, c.Status, c.Reason ?? "", c.Message ?? "", c.LastTransitionTime))
            .ToList();
        var services = (status.Services ?? []).Where(s => s is { Name.Length: > 0 }).Take(MaxItems)
            .Select(s => new ObservedService(s.Name, s.DesiredReplicas, s.ReadyReplicas))
            .ToList();
        return new ReportedStatus(status.Phase, status.Message, status.ObservedGeneration, status.ObservedRevision, new ClusterObservation(conditions, services));
    }

    /// <summary>A bound on what is read at all (the use case keeps fewer).</summary>
    private const int MaxItems = 64;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
