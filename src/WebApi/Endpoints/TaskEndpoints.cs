using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Tasks;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

/// <summary>Starting a task: the team and what it runs.</summary>
public sealed record CreateTaskRequest(
    [property: Required] Guid? TeamId,
    [property: Required, MaxLength(TaskRules.MaxImageLength), Description("Container image reference, such as busybox:1.36.")] string? Image,
    [property: Description("The container's command (replaces the image's entrypoint); at most 64 strings.")] IReadOnlyList<string?>? Command,
    [property: Description("Named string inputs: the container gets TASK_INPUT (all as a JSON object) and INPUT_<NAME> each.")] IReadOnlyDictionary<string, string?>? Input,
    [property: Range(TaskRules.MinTimeoutSeconds, TaskRules.MaxTimeoutSeconds), Description("Seconds the task may run (default 600).")] int? TimeoutSeconds);

/// <summary>Starting a workflow: the team and its steps in order.</summary>
public sealed record CreateWorkflowRequest(
    [property: Required] Guid? TeamId,
    [property: Required, Description("Steps run in order; a step's strings may use ${steps.N.output.KEY} (N an earlier step's index or name).")] IReadOnlyList<WorkflowStepInput?>? Steps);

/// <summary>/api/tasks and /api/workflows: start, list, get and cancel a team's tasks and workflows (DESIGN.md §6, docs/tasks.md).</summary>
public static class TaskEndpoints
{
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks").RequireAuthorization();
        tasks.MapPost("/", CreateTaskAsync).WithName("createTask").WithSummary("Start a task for a team, within the plan's limit on unfinished tasks")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        tasks.MapGet("/", ListTasksAsync).WithName("listTasks").WithSummary("A team's tasks, newest first, without what they run (?teamId=, optionally &phase=)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound);
        tasks.MapGet("/{id:guid}", GetTaskAsync).WithName("getTask").WithSummary("One task, with what it runs, its phase and output").WithProblems(Status403Forbidden, Status404NotFound);
        tasks.MapPost("/{id:guid}/cancel", CancelTaskAsync).WithName("cancelTask").WithSummary("Cancel an unfinished task")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);

        var workflows = app.MapGroup("/api/workflows").WithTags("Tasks").RequireAuthorization();
        workflows.MapPost("/", CreateWorkflowAsync).WithName("createWorkflow").WithSummary("Start a workflow for a team, within the plan's limit on unfinished tasks")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        workflows.MapGet("/", ListWorkflowsAsync).WithName("listWorkflows").WithSummary("A team's workflows, newest first, with each step's phase and output but not what it runs (?teamId=, optionally &phase=)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound);
        workflows.MapGet("/{id:guid}", GetWorkflowAsync).WithName("getWorkflow").WithSummary("One workflow, with what each step runs, its phase and output")
            .WithProblems(Status403Forbidden, Status404NotFound);
        workflows.MapPost("/{id:guid}/cancel", CancelWorkflowAsync).WithName("cancelWorkflow").WithSummary("Cancel an unfinished workflow")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        return app;
    }

    private static async Task<Created<TaskDto>> CreateTaskAsync(CreateTaskRequest body, IMediator mediator, CancellationToken ct)
    {
        var task = await mediator.Send(new CreateTaskCommand(new TeamId(body.TeamId ?? Guid.Empty),
            new TaskInput(body.Image, body.Command, body.Input, body.TimeoutSeconds)), ct);
        return TypedResults.Created($"/api/tasks/{task.Id}", task);
    }

    private static async Task<Ok<Paged<TaskSummaryDto>>> ListTasksAsync(IMediator mediator, CancellationToken ct, Guid? teamId, string? phase, int? page, int? pageSize)
    {
        var found = await mediator.Send(new ListTaskRunsQuery(new TeamId(teamId ?? Guid.Empty), TaskKind.Task, phase, page ?? 1, pageSize ?? Paging.DefaultPageSize), ct);
        return TypedResults.Ok(new Paged<TaskSummaryDto>(found.Items.Select(TaskMapping.ToTaskSummary).ToList(), found.Page, found.PageSize, found.Total));
    }

    private static async Task<Ok<TaskDto>> GetTaskAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(TaskMapping.ToTaskDto(await mediator.Send(new GetTaskRunQuery(new TaskRunId(id), TaskKind.Task), ct)));

    private static async Task<Ok<TaskDto>> CancelTaskAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(TaskMapping.ToTaskDto(await mediator.Send(new CancelTaskRunCommand(new TaskRunId(id), TaskKind.Task), ct)));

    private static async Task<Created<WorkflowDto>> CreateWorkflowAsync(CreateWorkflowRequest body, IMediator mediator, CancellationToken ct)
    {
        var workflow = await mediator.Send(new CreateWorkflowCommand(new TeamId(body.TeamId ?? Guid.Empty), body.Steps), ct);
        return TypedResults.Created($"/api/workflows/{workflow.Id}", workflow);
    }

    private static async Task<Ok<Paged<WorkflowSummaryDto>>> ListWorkflowsAsync(IMediator mediator, CancellationToken ct, Guid? teamId, string? phase, int? page, int? pageSize)
    {
        var found = await mediator.Send(new ListTaskRunsQuery(new TeamId(teamId ?? Guid.Empty), TaskKind.Workflow, phase, page ?? 1, pageSize ?? Paging.DefaultPageSize), ct);
        return TypedResults.Ok(new Paged<WorkflowSummaryDto>(found.Items.Select(TaskMapping.ToWorkflowSummary).ToList(), found.Page, found.PageSize, found.Total));
    }

    private static async Task<Ok<WorkflowDto>> GetWorkflowAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(TaskMapping.ToWorkflowDto(await mediator.Send(new GetTaskRunQuery(new TaskRunId(id), TaskKind.Workflow), ct)));

    private static async Task<Ok<WorkflowDto>> CancelWorkflowAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(TaskMapping.ToWorkflowDto(await mediator.Send(new CancelTaskRunCommand(new TaskRunId(id), TaskKind.Workflow), ct)));
}
