using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Features.Tasks;
using CleanScheduler.Domain.Tasks;
using CleanScheduler.Kubernetes;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>
/// Writes tasks as the operator's AgentTask and Workflow resources (server-side apply, labelled with the task's id) into
/// the task's namespace, made first when it is a team's; removing deletes the resource (the operator's Jobs and step
/// AgentTasks go with it by garbage collection).
/// </summary>
public sealed class KubernetesTaskPublisher(IKubernetesClient kube, TeamNamespaces namespaces, TaskOptions options) : ITaskPublisher
{
    public const string TaskIdLabel = KubeResource.SchedulerGroup + "/task-id";

    /// <summary>How long the operator keeps a finished task's Job (the task's resource, with its status, stays).</summary>
    public const int JobTtlSeconds = 3600;

    public static readonly string Selector = $"{ClusterNames.ManagedByLabel}={ClusterNames.ManagedBy},{TaskIdLabel}";

    public Task PublishAsync(DesiredTask desired, CancellationToken cancellationToken) => ClusterErrors.Translate(async () =>
    {
        var (task, ns) = (desired.Task, desired.Namespace);
        try
        {
            await namespaces.EnsureAsync(ns, task.OrganizationId, string.IsNullOrEmpty(options.Namespace) ? task.TeamId : null, cancellationToken);
            await kube.ApplyAsync(task.Kind == TaskKind.Task ? KubeResource.AgentTasks : KubeResource.Workflows, Resource(task, ns),
                ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
        }
        catch (KubeNotFoundException)
        {
            namespaces.Forget(ns);
            throw;
        }
    });

    public Task RemoveAsync(TaskKind kind, string @namespace, string name, CancellationToken cancellationToken) => ClusterErrors.Translate(async () =>
    {
        try { await kube.DeleteAsync(kind == TaskKind.Task ? KubeResource.AgentTasks : KubeResource.Workflows, @namespace, name, "Background", cancellationToken); }
        catch (KubeNotFoundException) { }
    });

    /// <summary>The AgentTask (one step) or Workflow of a stored task; no status (the operator's).</summary>
    public static JsonObject Resource(TaskRun task, string ns)
    {
        var metadata = new ObjectMeta(task.Name, ns, Labels: new Dictionary<string, string>
        {
            [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy,
            [TaskIdLabel] = task.Id.Value.ToString(),
            [ClusterNames.OrganizationLabel] = task.OrganizationId.Value.ToString(),
            [ClusterNames.TeamLabel] = task.TeamId.Value.ToString(),
        });
        var resource = task.Kind == TaskKind.Task
            ? CustomResources.ToJson(new AgentTaskResource(metadata, Spec(task.Steps[0].Task)))
            : CustomResources.ToJson(new WorkflowResource(metadata, new WorkflowSpec(task.Steps.Select(s => new WorkflowStep(s.Name, Spec(s.Task))).ToList())));
        resource.Remove("status");
        return resource;
    }

    private static AgentTaskSpec Spec(TaskDefinition task) => new(
        task.Image,
        Command: task.Command.Count > 0 ? task.Command : null,
        Input: task.Input.Count > 0 ? new SortedDictionary<string, string>(task.Input.ToDictionary(), StringComparer.Ordinal) : null,
        TimeoutSeconds: task.TimeoutSeconds,
        TtlSecondsAfterFinished: JobTtlSeconds);
}

/// <summary>The server's AgentTasks and Workflows, listed then watched (<see cref="ResourceWatcher"/>), as <see cref="TaskReport"/>s.</summary>
public sealed class KubernetesTaskReports(IKubernetesClient kube, ILogger<KubernetesTaskReports> logger) : ITaskReports
{
    public Task FollowAsync(ITaskReportHandler handler, TimeSpan maxBackoff, CancellationToken cancellationToken) => Task.WhenAll(
        new ResourceWatcher(kube, KubeResource.AgentTasks, null, KubernetesTaskPublisher.Selector, new Handler(handler, TaskKind.Task), logger) { MaxBackoff = maxBackoff }
            .RunAsync(cancellationToken),
        new ResourceWatcher(kube, KubeResource.Workflows, null, KubernetesTaskPublisher.Selector, new Handler(handler, TaskKind.Workflow), logger) { MaxBackoff = maxBackoff }
            .RunAsync(cancellationToken));

    private sealed class Handler(ITaskReportHandler handler, TaskKind kind) : IWatchHandler
    {
        public async Task OnListAsync(IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
        {
            foreach (var item in items) await handler.OnReportAsync(ReportOf(item, kind), cancellationToken);
        }

        public Task OnEventAsync(WatchEventType type, JsonObject item, CancellationToken cancellationToken) =>
            type == WatchEventType.Deleted ? Task.CompletedTask : handler.OnReportAsync(ReportOf(item, kind), cancellationToken);
    }

    /// <summary>
    /// What an AgentTask or Workflow says. Its status is written by the operator, but anyone with access to the cluster
    /// can edit it: a status of the wrong shape is no report (no phase), and the task bounds what it keeps.
    /// </summary>
    public static TaskReport ReportOf(JsonObject resource, TaskKind kind)
    {
        var metadata = resource["metadata"];
        var id = Guid.TryParse(Text(metadata?["labels"]?[KubernetesTaskPublisher.TaskIdLabel]), out var parsed) ? parsed : (Guid?)null;
        var (ns, name) = (Text(metadata?["namespace"]) ?? "", Text(metadata?["name"]) ?? "");
        try
        {
            if (resource["status"] is not JsonObject status) return new TaskReport(id, kind, ns, name, null, null, null, []);
            if (kind == TaskKind.Task)
            {
                var task = CustomResources.From<AgentTaskStatus>(status);
                return new TaskReport(id, kind, ns, name, task.Phase, task.Message, task.Output, []);
            }
            var workflow = CustomResources.From<WorkflowStatus>(status);
            var steps = (workflow.Steps ?? []).Take(TaskRules.MaxSteps).Select(s => new StepReport(s.Name ?? "", s.Phase ?? nameof(TaskPhase.Pending), s.Output)).ToList();
            return new TaskReport(id, kind, ns, name, workflow.Phase, workflow.Message, null, steps);
        }
        catch (JsonException)
        {
            return new TaskReport(id, kind, ns, name, null, null, null, []);
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
