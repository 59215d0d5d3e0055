using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CleanScheduler.Kubernetes;
using CleanScheduler.Operator.Metrics;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// The Workflow controller (DESIGN.md §6): runs the steps in order, each as an AgentTask <c>&lt;workflow&gt;-&lt;N&gt;</c>
/// owned by the workflow. Step N+1 starts only after step N succeeded, with <c>${steps.M.output.KEY}</c> (M a step's
/// index from 0, or its name) replaced by that step's output in every string of its task. The first step that fails
/// or times out fails the workflow; later steps are skipped.
/// </summary>
public sealed partial class WorkflowController(IKubernetesClient client, ControllerOptions options, OperatorMetrics metrics, ILogger logger)
    : ResourceController(client, KubeResource.Workflows, ControllerName, options, metrics, logger)
{
    public const string ControllerName = "workflow";
    public const string WorkflowUidLabel = KubeResource.SchedulerGroup + "/workflow-uid";

    private readonly ObjectCache _tasks = new();

    protected override IEnumerable<OwnedWatch> Owned => [new(KubeResource.AgentTasks, WorkflowUidLabel, _tasks)];

    public static string TaskName(string workflow, int step) => ShortName($"{workflow}-{step}", 253);

    protected override async Task ReconcileAsync(string key, JsonObject? workflow, CancellationToken cancellationToken)
    {
        if (workflow is null || workflow["metadata"]?["deletionTimestamp"] is not null) return;   // the GC removes its tasks
        var status = workflow["status"] as JsonObject;
        if ((string?)status?["phase"] is "Succeeded" or "Failed") return;
        var metadata = workflow["metadata"]!;
        var (ns, name, uid) = ((string)metadata["namespace"]!, (string)metadata["name"]!, (string?)metadata["uid"] ?? "");
        var generation = (long?)metadata["generation"] ?? 1;
        var steps = workflow["spec"]?["steps"] as JsonArray ?? [];
        var names = steps.Select((s, i) => (string?)s?["name"] ?? $"step-{i}").ToList();

        var reported = new List<WorkflowStepStatus>();
        string? failure = null;
        var current = steps.Count;
        for (var i = 0; i < steps.Count; i++)
        {
            var taskName = TaskName(name, i);
            if (_tasks.Get($"{ns}/{taskName}") is not { } task)
            {
                var (created, problem) = await StartStepAsync(workflow, i, taskName, names, reported, cancellationToken);
                if (problem is not null)
                {
                    reported.Add(new WorkflowStepStatus(names[i], "Failed", null, null));
                    failure = $"step {i} ({names[i]}): {problem}";
                    current = i;
                    break;
                }
                task = created!;
            }
            if (task["metadata"]?["labels"]?[WorkflowUidLabel] is not JsonValue owner || (string?)owner != uid)
            {
                reported.Add(new WorkflowStepStatus(names[i], "Failed", taskName, null));
                failure = $"step {i} ({names[i]}): AgentTask {taskName} exists and does not belong to this workflow";
                current = i;
                break;
            }
            var phase = (string?)task["status"]?["phase"] ?? "Pending";
            var output = (task["status"]?["output"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value ?? "", StringComparer.Ordinal);
            reported.Add(new WorkflowStepStatus(names[i], phase, taskName, output));
            if (phase == "Succeeded") continue;
            current = i;
            if (phase is "Failed" or "Timeout")
                failure = $"step {i} ({names[i]}) {(phase == "Timeout" ? "timed out" : "failed")}" + ((string?)task["status"]?["message"] is { } m ? $": {m}" : "");
            break;
        }
        for (var i = reported.Count; i < steps.Count; i++) reported.Add(new WorkflowStepStatus(names[i], failure is null ? "Pending" : "Skipped", null, null));

        var workflowPhase = failure is not null ? "Failed" : current >= steps.Count ? "Succeeded" : "Running";
        var next = CustomResources.ToJson(new WorkflowStatus(workflowPhase, generation, Math.Min(current, Math.Max(steps.Count - 1, 0)),
            failure ?? (workflowPhase == "Succeeded" ? $"{steps.Count} step(s) succeeded" : null), reported));
        await WriteStatusAsync(key, workflow, next, cancellationToken);
    }

    /// <summary>Creates step <paramref name="index"/>'s AgentTask with earlier outputs substituted; a reference that cannot be resolved is the problem returned.</summary>
    private async Task<(JsonObject? Task, string? Problem)> StartStepAsync(
        JsonObject workflow, int index, string taskName, IReadOnlyList<string> names, IReadOnlyList<WorkflowStepStatus> earlier, CancellationToken cancellationToken)
    {
        if (workflow["spec"]?["steps"]?[index]?["task"] is not JsonObject template) return (null, "the step has no task");
        var spec = (JsonObject)template.DeepClone();
        var problems = new List<string>();
        Substitute(spec, reference => Resolve(reference, index, names, earlier, problems));
        if (problems.Count > 0) return (null, string.Join("; ", problems.Distinct()));
        try { CustomResources.From<AgentTaskSpec>(spec); }
        catch (JsonException e) { return (null, "invalid task: " + e.Message); }

        var ns = (string)workflow["metadata"]!["namespace"]!;
        var body = new JsonObject
        {
            ["apiVersion"] = CustomResources.ApiVersion,
            ["kind"] = "AgentTask",
            ["metadata"] = new JsonObject
            {
                ["name"] = taskName,
                ["namespace"] = ns,
                ["labels"] = new JsonObject
                {
                    ["app.kubernetes.io/managed-by"] = ManifestRenderer.ManagedBy,
                    [WorkflowUidLabel] = (string?)workflow["metadata"]!["uid"] ?? "",
                    [KubeResource.SchedulerGroup + "/workflow-step"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
                ["ownerReferences"] = OwnerReference(workflow),
            },
            ["spec"] = spec,
        };
        JsonObject? created;
        try { created = await Client.CreateAsync(KubeResource.AgentTasks, body, cancellationToken); }
        catch (KubeConflictException e) when (e.AlreadyExists)
        {
            created = await Client.GetAsync(KubeResource.AgentTasks, ns, taskName, cancellationToken)
                      ?? throw new KubeConflictException(e.Reason, $"AgentTask {taskName} existed and is gone again; retrying", e.Status);
        }
        catch (KubeInvalidException e)
        {
            return (null, "the API server refused the task: " + e.ApiMessage);
        }
        _tasks.SetIfNewer($"{ns}/{taskName}", created);
        return (created, null);
    }

    private static string? Resolve(Match reference, int index, IReadOnlyList<string> names, IReadOnlyList<WorkflowStepStatus> earlier, List<string> problems)
    {
        var step = reference.Groups["step"].Value;
        var key = reference.Groups["key"].Value;
        var at = int.TryParse(step, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : names.ToList().IndexOf(step);
        if (at < 0 || at >= index)
        {
            problems.Add($"{reference.Value} refers to a step that has not run before this one");
            return null;
        }
        if (earlier[at].Output?.GetValueOrDefault(key) is { } value) return value;
        problems.Add($"{reference.Value}: step {at} ({names[at]}) has no output '{key}'");
        return null;
    }

    /// <summary>Replaces every reference in every string of <paramref name="node"/> (a reference that resolves to null stays as written).</summary>
    public static void Substitute(JsonNode node, Func<Match, string?> resolve)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                    if (child is JsonValue v && v.TryGetValue<string>(out var text)) obj[name] = Replace(text, resolve);
                    else if (child is not null) Substitute(child, resolve);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (array[i] is JsonValue v && v.TryGetValue<string>(out var text)) array[i] = Replace(text, resolve);
                    else if (array[i] is { } child) Substitute(child, resolve);
                break;
        }
    }

    private static string Replace(string text, Func<Match, string?> resolve) => Reference().Replace(text, m => resolve(m) ?? m.Value);

    [GeneratedRegex(@"\$\{steps\.(?<step>[A-Za-z0-9_-]+)\.output\.(?<key>[A-Za-z0-9_.-]+)\}")]
    private static partial Regex Reference();
}
