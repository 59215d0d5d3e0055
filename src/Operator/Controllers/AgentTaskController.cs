using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CleanScheduler.Kubernetes;
using CleanScheduler.Operator.Metrics;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// The AgentTask controller (DESIGN.md §6): one Job per task (no retries, activeDeadlineSeconds = timeoutSeconds,
/// ttlSecondsAfterFinished), owned by the task. Status follows the Job: Pending until its pod runs, Running,
/// Succeeded or Failed as the Job ends, Timeout past the deadline (the Job's own, or ours when the Job outlives it:
/// we then delete it). The output is the JSON object the container wrote as its termination message.
/// </summary>
public sealed partial class AgentTaskController(IKubernetesClient client, ControllerOptions options, OperatorMetrics metrics, ILogger logger)
    : ResourceController(client, KubeResource.AgentTasks, ControllerName, options, metrics, logger)
{
    public const string ControllerName = "agenttask";
    public const string TaskUidLabel = KubeResource.SchedulerGroup + "/agenttask-uid";
    public const string ContainerName = "task";
    private static readonly string JobSelector = $"app.kubernetes.io/managed-by={ManifestRenderer.ManagedBy},{TaskUidLabel}";

    public const string NamespaceFieldManager = "cleanscheduler-operator-tasks";

    /// <summary>The labels every task pod carries (what the namespace's task NetworkPolicy selects).</summary>
    public static readonly IReadOnlyDictionary<string, string> PodLabels = new Dictionary<string, string>
    {
        ["app.kubernetes.io/managed-by"] = ManifestRenderer.ManagedBy,
        ["app.kubernetes.io/component"] = "agent-task",
    };

    private readonly ObjectCache _jobs = new();
    private readonly ConcurrentDictionary<string, byte> _preparedNamespaces = new(StringComparer.Ordinal);

    protected override IEnumerable<OwnedWatch> Owned => [new(KubeResource.Jobs, JobSelector, _jobs)];

    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    public static bool IsFinished(string? phase) => phase is "Succeeded" or "Failed" or "Timeout";

    protected override async Task ReconcileAsync(string key, JsonObject? task, CancellationToken cancellationToken)
    {
        if (task is null || task["metadata"]?["deletionTimestamp"] is not null) return;   // the GC removes the Job with it
        var status = task["status"] as JsonObject;
        if (IsFinished((string?)status?["phase"])) return;
        var ns = (string)task["metadata"]!["namespace"]!;
        var generation = (long?)task["metadata"]!["generation"] ?? 1;
        var jobName = JobName((string)task["metadata"]!["name"]!);

        AgentTaskSpec spec;
        try { spec = CustomResources.From<AgentTaskSpec>(task["spec"]); }
        catch (JsonException e)
        {
            await WriteStatusAsync(key, task, Status("Failed", generation, status, message: "invalid spec: " + e.Message), cancellationToken);
            return;
        }

        if (_jobs.Get($"{ns}/{jobName}") is not { } job)
        {
            if (status?["jobName"] is not null && (string?)status["phase"] == "Running")
            {
                await WriteStatusAsync(key, task, Status("Failed", generation, status, message: $"Job {jobName} was deleted before it finished"), cancellationToken);
                return;
            }
            await PrepareNamespaceAsync(ns, cancellationToken);
            job = await Client.ApplyAsync(KubeResource.Jobs, Job(task, spec, jobName), Options.FieldManager, force: true, cancellationToken: cancellationToken);
            _jobs.SetIfNewer($"{ns}/{jobName}", job);
        }

        var jobStatus = job["status"] as JsonObject;
        var started = Time(jobStatus?["startTime"]);
        var next = Outcome(jobStatus) switch
        {
            ("Complete", _) => Status("Succeeded", generation, status, jobName, started, Time(jobStatus?["completionTime"]) ?? DateTimeOffset.UtcNow,
                await TerminationMessageAsync(ns, jobName, cancellationToken) is var (output, _) ? output : null),
            ("Failed", "DeadlineExceeded") => Status("Timeout", generation, status, jobName, started, DateTimeOffset.UtcNow,
                message: $"did not finish within timeoutSeconds={spec.TimeoutSeconds}"),
            ("Failed", var reason) => await FailedAsync(ns, jobName, reason, generation, status, started, cancellationToken),
            _ when Overdue(spec, started) is true => await TimeOutAsync(ns, jobName, spec, generation, status, started, cancellationToken),
            _ => Status((jobStatus?["active"] as JsonValue)?.GetValue<int>() > 0 && started is not null ? "Running" : "Pending", generation, status, jobName, started),
        };
        await WriteStatusAsync(key, task, next, cancellationToken);
        if (!IsFinished((string?)next["phase"]) && spec.TimeoutSeconds is { } timeout && started is { } since)
            Queue.AddAfter(key, since.AddSeconds(timeout) - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50));   // check the deadline ourselves too
    }

    /// <summary>
    /// Before the first Job of a namespace: the task pods' NetworkPolicy and the namespace's Pod Security labels (a team
    /// without deployments has no UserDeployment to write them). The labels are applied by their own field manager so
    /// that the UserDeployment controller's labels on the same Namespace stay its own.
    /// </summary>
    private async Task PrepareNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        if (_preparedNamespaces.ContainsKey(ns)) return;
        if (!Options.Render.DisableNetworkPolicies)
            await Client.ApplyAsync(KubeResource.NetworkPolicies, ManifestRenderer.TaskNetworkPolicy(ns, PodLabels), Options.FieldManager, force: true, cancellationToken: cancellationToken);
        var labels = new JsonObject();
        foreach (var (name, value) in ManifestRenderer.PodSecurityLabels) labels[name] = value;
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = labels } };
        await Client.ApplyAsync(KubeResource.Namespaces, body, NamespaceFieldManager, force: true, cancellationToken: cancellationToken);
        _preparedNamespaces.TryAdd(ns, 0);
    }

    private static bool? Overdue(AgentTaskSpec spec, DateTimeOffset? started) =>
        spec.TimeoutSeconds is { } timeout && started is { } since ? DateTimeOffset.UtcNow >= since.AddSeconds(timeout) : null;

    private async Task<JsonObject> TimeOutAsync(string ns, string jobName, AgentTaskSpec spec, long generation, JsonObject? status, DateTimeOffset? started, CancellationToken cancellationToken)
    {
        try { await Client.DeleteAsync(KubeResource.Jobs, ns, jobName, "Background", cancellationToken); }
        catch (KubeNotFoundException) { }
        return Status("Timeout", generation, status, jobName, started, DateTimeOffset.UtcNow, message: $"did not finish within timeoutSeconds={spec.TimeoutSeconds}; the Job was deleted");
    }

    private async Task<JsonObject> FailedAsync(string ns, string jobName, string? reason, long generation, JsonObject? status, DateTimeOffset? started, CancellationToken cancellationToken)
    {
        var (output, message) = await TerminationMessageAsync(ns, jobName, cancellationToken);
        return Status("Failed", generation, status, jobName, started, DateTimeOffset.UtcNow, output,
            message ?? $"the Job failed ({reason ?? "BackoffLimitExceeded"})");
    }

    /// <summary>The finished Job's condition: Complete or Failed with its reason; (null, null) while it runs.</summary>
    private static (string? Type, string? Reason) Outcome(JsonObject? jobStatus)
    {
        foreach (var condition in jobStatus?["conditions"] as JsonArray ?? [])
            if ((string?)condition?["status"] == "True" && (string?)condition["type"] is "Complete" or "Failed")
                return ((string?)condition["type"], (string?)condition["reason"]);
        return (null, null);
    }

    /// <summary>The task container's termination message: as output when it is a JSON object, else as the message.</summary>
    private async Task<(IReadOnlyDictionary<string, string>? Output, string? Message)> TerminationMessageAsync(string ns, string jobName, CancellationToken cancellationToken)
    {
        var pods = await Client.ListAsync(KubeResource.Pods, ns, new ListOptions($"job-name={jobName}"), cancellationToken);
        var terminated = pods.Items
            .SelectMany(p => p["status"]?["containerStatuses"] as JsonArray ?? [])
            .Where(c => (string?)c?["name"] == ContainerName)
            .Select(c => c?["state"]?["terminated"])
            .LastOrDefault(t => t is not null);
        if ((string?)terminated?["message"] is not { Length: > 0 } text) return (null, (string?)terminated?["reason"]);
        return ParseOutput(text) is { } output ? (output, null) : (null, text.Length > 1000 ? text[..1000] : text);
    }

    /// <summary>
    /// A JSON object's members as strings (strings as they are, other values as their JSON); null when it is not one, or
    /// names a member twice at any depth (a JsonObject holding a duplicate throws ArgumentException once enumerated).
    /// </summary>
    public static IReadOnlyDictionary<string, string>? ParseOutput(string text)
    {
        try
        {
            if (JsonNode.Parse(text.Trim(), documentOptions: StrictJson) is not JsonObject json) return null;
            return json.ToDictionary(kv => kv.Key, kv => kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value?.ToJsonString() ?? "", StringComparer.Ordinal);
        }
        catch (JsonException) { return null; }
    }

    private static JsonObject Status(string phase, long generation, JsonObject? current, string? jobName = null, DateTimeOffset? started = null,
        DateTimeOffset? completed = null, IReadOnlyDictionary<string, string>? output = null, string? message = null)
    {
        var json = CustomResources.ToJson(new AgentTaskStatus(phase, generation, null, null, jobName, output, message));
        if ((started is { } s ? Rfc3339(s) : (string?)current?["startTime"]) is { } start) json["startTime"] = start;
        // The first completion time sticks: a later pass must not move it (that would be a write on every pass).
        if (IsFinished(phase) && ((string?)current?["completionTime"] ?? (completed is { } c ? Rfc3339(c) : null)) is { } completion)
            json["completionTime"] = completion;
        return json;
    }

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string JobName(string taskName) => ShortName(taskName);

    /// <summary>The Job of a task: one attempt, the deadline and TTL of the task, its env, input and secret keys.</summary>
    public static JsonObject Job(JsonObject task, AgentTaskSpec spec, string jobName)
    {
        var uid = (string?)task["metadata"]?["uid"] ?? "";
        var labels = new JsonObject { [TaskUidLabel] = uid };
        foreach (var (name, value) in PodLabels) labels[name] = value;
        var env = new JsonArray();
        foreach (var variable in spec.Env ?? []) env.Add((JsonNode)new JsonObject { ["name"] = variable.Name, ["value"] = variable.Value ?? "" });
        if (spec.Input is { Count: > 0 } input)
        {
            env.Add((JsonNode)new JsonObject { ["name"] = "TASK_INPUT", ["value"] = new JsonObject(input.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))).ToJsonString() });
            foreach (var (name, value) in input.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                env.Add((JsonNode)new JsonObject { ["name"] = "INPUT_" + EnvSafe().Replace(name.ToUpperInvariant(), "_"), ["value"] = value });
        }
        foreach (var reference in spec.SecretRefs ?? [])
            foreach (var secretKey in reference.Keys)
                env.Add((JsonNode)new JsonObject
                {
                    ["name"] = secretKey,
                    ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = reference.Name, ["key"] = secretKey } },
                });
        var container = new JsonObject
        {
            ["name"] = ContainerName,
            ["image"] = spec.Image,
            ["env"] = env,
            ["terminationMessagePolicy"] = "FallbackToLogsOnError",
            ["resources"] = ContainerResources(spec.Resources),
            ["securityContext"] = ManifestRenderer.ContainerSecurityJson(),
        };
        if (spec.Command is { Count: > 0 } command) container["command"] = new JsonArray(command.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        if (spec.Args is { Count: > 0 } args) container["args"] = new JsonArray(args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());

        var jobSpec = new JsonObject
        {
            ["backoffLimit"] = 0,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                ["spec"] = new JsonObject
                {
                    ["restartPolicy"] = "Never",
                    ["automountServiceAccountToken"] = false,
                    ["containers"] = new JsonArray(container),
                },
            },
        };
        if (spec.TimeoutSeconds is { } timeout) jobSpec["activeDeadlineSeconds"] = timeout;
        if (spec.TtlSecondsAfterFinished is { } ttl) jobSpec["ttlSecondsAfterFinished"] = ttl;
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject
            {
                ["name"] = jobName,
                ["namespace"] = (string?)task["metadata"]?["namespace"],
                ["labels"] = labels,
                ["ownerReferences"] = OwnerReference(task),
            },
            ["spec"] = jobSpec,
        };
    }

    /// <summary>The task's resources, each of requests and limits it leaves out the deployments' default.</summary>
    private static JsonObject ContainerResources(ResourcesSpec? resources)
    {
        var json = resources is null ? new JsonObject() : CustomResources.ToJson(resources);
        foreach (var (part, defaults) in new[] { ("requests", ManifestRenderer.DefaultRequests), ("limits", ManifestRenderer.DefaultLimits) })
        {
            if (json[part] is JsonObject { Count: > 0 }) continue;
            var amounts = new JsonObject();
            foreach (var (name, value) in defaults) amounts[name] = value;
            json[part] = amounts;
        }
        return json;
    }

    [GeneratedRegex("[^A-Z0-9_]")]
    private static partial Regex EnvSafe();
}
