using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>What a task runs, as a client writes it (every field checked by <see cref="TaskInputValidator"/>).</summary>
public sealed record TaskInput(string? Image, IReadOnlyList<string?>? Command, IReadOnlyDictionary<string, string?>? Input, int? TimeoutSeconds);

public sealed record WorkflowStepInput(string? Name, TaskInput? Task);

public sealed record TaskSpecDto(string Image, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Input, int TimeoutSeconds)
{
    public static TaskSpecDto From(TaskDefinition task) => new(task.Image, task.Command, task.Input, task.TimeoutSeconds);
}

/// <summary>A task: what it runs, its phase, and the output its container wrote (a JSON object's members as strings).</summary>
public sealed record TaskDto(
    Guid Id, Guid TeamId, string Name, TaskSpecDto Spec, string Phase, string? Message, IReadOnlyDictionary<string, string>? Output,
    Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

public sealed record WorkflowStepDto(string Name, TaskSpecDto Task, string Phase, IReadOnlyDictionary<string, string>? Output);

/// <summary>A workflow: its steps in order, each with its phase and output.</summary>
public sealed record WorkflowDto(
    Guid Id, Guid TeamId, string Name, IReadOnlyList<WorkflowStepDto> Steps, string Phase, string? Message,
    Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

/// <summary>A list's task: its phase, message and output, not what it runs (GET by id has that).</summary>
public sealed record TaskSummaryDto(
    Guid Id, Guid TeamId, string Name, string Phase, string? Message, IReadOnlyDictionary<string, string>? Output,
    Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

public sealed record WorkflowStepSummaryDto(string Name, string Phase, IReadOnlyDictionary<string, string>? Output);

/// <summary>A list's workflow: each step's phase and output, not what the steps run (GET by id has that).</summary>
public sealed record WorkflowSummaryDto(
    Guid Id, Guid TeamId, string Name, IReadOnlyList<WorkflowStepSummaryDto> Steps, string Phase, string? Message,
    Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

/// <summary>The columns of a task's row a list reads: all but the steps' specs.</summary>
public sealed record TaskRunSummary(
    TaskRunId Id, TeamId TeamId, string Name, TaskPhase Phase, string? Message, IReadOnlyDictionary<string, string>? Output,
    IReadOnlyList<StepReport> StepReports, UserId CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

public static class TaskMapping
{
    public static TaskSummaryDto ToTaskSummary(TaskRunSummary task) => new(
        task.Id.Value, task.TeamId.Value, task.Name, task.Phase.ToCode(), task.Message, task.Output,
        task.CreatedBy.Value, task.CreatedAt, task.UpdatedAt, task.FinishedAt);

    public static WorkflowSummaryDto ToWorkflowSummary(TaskRunSummary workflow) => new(
        workflow.Id.Value, workflow.TeamId.Value, workflow.Name, workflow.StepReports.Select(s => new WorkflowStepSummaryDto(s.Name, s.Phase, s.Output)).ToList(),
        workflow.Phase.ToCode(), workflow.Message, workflow.CreatedBy.Value, workflow.CreatedAt, workflow.UpdatedAt, workflow.FinishedAt);

    public static TaskDto ToTaskDto(TaskRun task) => new(
        task.Id.Value, task.TeamId.Value, task.Name, TaskSpecDto.From(task.Steps[0].Task), task.Phase.ToCode(), task.Message, task.Output,
        task.CreatedBy.Value, task.CreatedAt, task.UpdatedAt, task.FinishedAt);

    public static WorkflowDto ToWorkflowDto(TaskRun workflow) => new(
        workflow.Id.Value, workflow.TeamId.Value, workflow.Name,
        workflow.Steps.Select((step, i) =>
        {
            var report = i < workflow.StepReports.Count ? workflow.StepReports[i] : null;
            return new WorkflowStepDto(step.Name, TaskSpecDto.From(step.Task), report?.Phase ?? nameof(TaskPhase.Pending), report?.Output);
        }).ToList(),
        workflow.Phase.ToCode(), workflow.Message, workflow.CreatedBy.Value, workflow.CreatedAt, workflow.UpdatedAt, workflow.FinishedAt);
}
