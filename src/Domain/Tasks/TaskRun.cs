using System.Text.RegularExpressions;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Domain.Tasks;

public readonly record struct TaskRunId(Guid Value)
{
    public static TaskRunId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

/// <summary>One AgentTask, or a Workflow of AgentTasks run in order.</summary>
public enum TaskKind
{
    Task = 0,
    Workflow = 1,
}

/// <summary>Where a task is: the operator's phases (AgentTask / Workflow status), and Cancelled by its owner.</summary>
public enum TaskPhase
{
    Pending = 0,
    Running = 1,
    Succeeded = 2,
    Failed = 3,
    Timeout = 4,
    Cancelled = 5,
}

/// <summary>What one task runs: a container image, its command, named string inputs and a deadline.</summary>
public sealed record TaskDefinition(string Image, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Input, int TimeoutSeconds);

/// <summary>A named step of a workflow (a task is one step named <see cref="TaskRun.SingleStep"/>).</summary>
public sealed record TaskStep(string Name, TaskDefinition Task);

/// <summary>A step as the operator last reported it.</summary>
public sealed record StepReport(string Name, string Phase, IReadOnlyDictionary<string, string>? Output);

/// <summary>
/// The bounds of what a user may ask a task to run (DESIGN.md §6): they keep one task's resource under the API
/// server's object size limit and the database row small.
/// </summary>
public static partial class TaskRules
{
    public const int MaxImageLength = 255;
    public const int MaxCommandItems = 64;
    public const int MaxCommandItemLength = 4096;
    public const int MaxInputs = 32;
    public const int MaxInputValueLength = 8192;
    public const int MaxInputTotal = 64 * 1024;
    public const int MinTimeoutSeconds = 10;
    public const int MaxTimeoutSeconds = 86_400;
    public const int DefaultTimeoutSeconds = 600;
    public const int MaxSteps = 20;
    public const int MaxStepNameLength = 40;
    public const string InputKeyRule = "1 to 63 letters, digits, '_', '.' or '-', starting with a letter or '_'";
    public const string StepNameRule = "1 to 40 lowercase letters, digits or hyphens, starting with a letter and ending with a letter or digit";

    /// <summary>An image reference as the distribution reference grammar writes it: [registry[:port]/]path[:tag][@sha256:digest].</summary>
    public static bool IsImage(string? value) => value is { Length: > 0 and <= MaxImageLength } && Image().IsMatch(value);

    public static bool IsInputKey(string? key) => key is not null && InputKey().IsMatch(key);

    public static bool IsStepName(string? name) => name is { Length: > 0 and <= MaxStepNameLength } && StepName().IsMatch(name);

    /// <summary>The variable an input becomes in the container: <c>INPUT_</c> and its name upper-cased, other characters as <c>_</c>.</summary>
    public static string InputVariable(string key) => "INPUT_" + NotEnvSafe().Replace(key.ToUpperInvariant(), "_");

    /// <summary>The steps a workflow step's string refers to with <c>${steps.N.output.KEY}</c> (N an index or a name).</summary>
    public static IEnumerable<string> StepReferences(string? text) =>
        text is null ? [] : StepReference().Matches(text).Select(m => m.Groups["step"].Value);

    /// <summary>A string the container may be given: no NUL (the container runtime refuses it).</summary>
    public static bool IsPlainText(string? text) => text is not null && !text.Contains('\0');

    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?)/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Image();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex InputKey();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex StepName();

    [GeneratedRegex("[^A-Z0-9_]", RegexOptions.CultureInvariant)]
    private static partial Regex NotEnvSafe();

    // The operator's reference (WorkflowController.Reference).
    [GeneratedRegex(@"\$\{steps\.(?<step>[A-Za-z0-9_-]+)\.output\.(?<key>[A-Za-z0-9_.-]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex StepReference();
}

/// <summary>
/// A team's task or workflow: what it runs, and what the cluster last reported of it. Only a
/// <see cref="Billing.Subscription"/> starts one, within its plan's limit on unfinished tasks. <see cref="Revision"/>
/// numbers the owner's wishes (1: run it, 2: cancel it); the cluster sync publishes each revision once.
/// </summary>
public sealed class TaskRun : AggregateRoot<TaskRunId>
{
    public const string SingleStep = "task";
    public const int MaxOutputs = 64;
    public const int MaxOutputLength = 4096;
    public const int MaxMessageLength = 1000;

    private TaskRun() { }

    public OrganizationId OrganizationId { get; private set; }
    public TeamId TeamId { get; private set; }
    public TaskKind Kind { get; private set; }

    /// <summary>The resource's name in the cluster: <c>task-&lt;id&gt;</c> or <c>wf-&lt;id&gt;</c>.</summary>
    public string Name { get; private set; } = null!;
    public UserId CreatedBy { get; private set; }
    public IReadOnlyList<TaskStep> Steps { get; private set; } = [];
    public TaskPhase Phase { get; private set; }
    public string? Message { get; private set; }
    public IReadOnlyDictionary<string, string>? Output { get; private set; }
    public IReadOnlyList<StepReport> StepReports { get; private set; } = [];
    public long Revision { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }

    public bool IsFinished => IsFinal(Phase);

    public static bool IsFinal(TaskPhase phase) => phase is TaskPhase.Succeeded or TaskPhase.Failed or TaskPhase.Timeout or TaskPhase.Cancelled;

    internal static TaskRun Start(OrganizationId organization, TeamId team, UserId owner, TaskKind kind, IReadOnlyList<TaskStep> steps, DateTimeOffset now)
    {
        if (steps.Count == 0 || (kind == TaskKind.Task && steps.Count != 1))
            throw new ArgumentException("A task has one step, a workflow at least one.", nameof(steps));
        var id = TaskRunId.New();
        var run = new TaskRun
        {
            Id = id,
            OrganizationId = organization,
            TeamId = team,
            Kind = kind,
            Name = (kind == TaskKind.Task ? "task-" : "wf-") + id.Value.ToString("N"),
            CreatedBy = owner,
            Steps = steps.ToList(),
            Phase = TaskPhase.Pending,
            StepReports = steps.Select(s => new StepReport(s.Name, nameof(TaskPhase.Pending), null)).ToList(),
            Revision = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        run.Raise(new TaskStarted(organization, id, team, kind, now));
        return run;
    }

    /// <summary>Stops the task: its resource is deleted from the cluster (and with it its Jobs). A finished task cannot be cancelled.</summary>
    public void Cancel(DateTimeOffset now)
    {
        if (IsFinished)
            throw new RuleViolationException("task.finished", $"The {KindName} has finished ({Phase}); there is nothing to cancel.");
        (Phase, Message, FinishedAt, UpdatedAt) = (TaskPhase.Cancelled, "cancelled by a user", now, now);
        Revision++;
        Raise(new TaskCancelled(OrganizationId, Id, Kind, now));
    }

    /// <summary>
    /// Takes what the cluster reports; false when nothing changed. A cancelled or finished task keeps its end: a report
    /// arriving later (from a resource being deleted, say) does not bring it back.
    /// </summary>
    public bool Report(TaskPhase phase, string? message, IReadOnlyDictionary<string, string>? output, IReadOnlyList<StepReport> steps, DateTimeOffset now)
    {
        if (IsFinished || phase == TaskPhase.Cancelled) return false;
        message = Bounded(message, MaxMessageLength);
        output = output is null ? null : Bounded(output);
        steps = steps.Count == 0 ? StepReports : steps.Take(Steps.Count)
            .Select(s => s with { Name = Bounded(s.Name, 64)!, Phase = Bounded(s.Phase, 32)!, Output = s.Output is null ? null : Bounded(s.Output) }).ToList();
        if (phase == Phase && message == Message && Same(output, Output) && SameSteps(steps, StepReports)) return false;
        (Phase, Message, Output, StepReports, UpdatedAt) = (phase, message, output, steps, now);
        if (IsFinished) FinishedAt = now;
        return true;
    }

    private string KindName => Kind == TaskKind.Task ? "task" : "workflow";

    private static string? Bounded(string? text, int max) => text is { } t && t.Length > max ? t[..max] : text;

    /// <summary>The first <see cref="MaxOutputs"/> members, keys and values cut; of keys equal once cut, the first stays.</summary>
    private static Dictionary<string, string> Bounded(IReadOnlyDictionary<string, string> output)
    {
        var bounded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in output.Take(MaxOutputs)) bounded.TryAdd(Bounded(key, 128)!, Bounded(value, MaxOutputLength)!);
        return bounded;
    }

    private static bool Same(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        a is null || b is null ? a is null && b is null : a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool SameSteps(IReadOnlyList<StepReport> a, IReadOnlyList<StepReport> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Phase == p.Second.Phase && Same(p.First.Output, p.Second.Output));
}

public sealed record TaskStarted(OrganizationId Organization, TaskRunId Task, TeamId Team, TaskKind Kind, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record TaskCancelled(OrganizationId Organization, TaskRunId Task, TaskKind Kind, DateTimeOffset OccurredAt) : IDomainEvent;

public static class TaskCodes
{
    public static string ToCode(this TaskKind kind) => kind == TaskKind.Workflow ? "workflow" : "task";

    public static TaskKind ParseKind(string code) => code switch
    {
        "task" => TaskKind.Task,
        "workflow" => TaskKind.Workflow,
        _ => throw new ArgumentException($"Unknown task kind '{code}'.", nameof(code)),
    };

    public static string ToCode(this TaskPhase phase) => phase.ToString();

    public static bool TryParsePhase(string? code, out TaskPhase phase) =>
        Enum.TryParse(code, ignoreCase: false, out phase) && Enum.IsDefined(phase) && code == phase.ToString();
}
