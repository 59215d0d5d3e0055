using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>Starts a task for a team: one container run to its end, within the plan's limit on unfinished tasks.</summary>
public sealed record CreateTaskCommand(TeamId TeamId, TaskInput? Task) : ICommand<TaskDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployCreate;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

/// <summary>Starts a workflow for a team: its steps run in order, each a task, with earlier steps' outputs substituted.</summary>
public sealed record CreateWorkflowCommand(TeamId TeamId, IReadOnlyList<WorkflowStepInput?>? Steps) : ICommand<WorkflowDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployCreate;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

/// <summary>The bounds of <see cref="TaskRules"/> on one task's image, command, input and timeout.</summary>
public sealed class TaskInputValidator : AbstractValidator<TaskInput>
{
    public TaskInputValidator()
    {
        RuleFor(t => t.Image).Must(TaskRules.IsImage)
            .WithMessage($"Must be an image reference such as nginx:1.27 or registry.example.com/team/app@sha256:... (at most {TaskRules.MaxImageLength} characters).");
        RuleFor(t => t.Command).Must(c => c is null || c.Count <= TaskRules.MaxCommandItems)
            .WithMessage($"At most {TaskRules.MaxCommandItems} command items.");
        RuleForEach(t => t.Command).Must(item => TaskRules.IsPlainText(item) && item!.Length <= TaskRules.MaxCommandItemLength)
            .WithMessage($"Each command item is a string of at most {TaskRules.MaxCommandItemLength} characters without NUL.");
        RuleFor(t => t.Input).Must(i => i is null || i.Count <= TaskRules.MaxInputs)
            .WithMessage($"At most {TaskRules.MaxInputs} inputs.");
        RuleFor(t => t.Input).Must(i => i is null || i.Sum(kv => kv.Key.Length + (kv.Value?.Length ?? 0)) <= TaskRules.MaxInputTotal)
            .WithMessage($"The inputs together are at most {TaskRules.MaxInputTotal} characters.");
        RuleForEach(t => t.Input).Must(kv => TaskRules.IsInputKey(kv.Key))
            .WithMessage($"Input names are {TaskRules.InputKeyRule}.");
        RuleForEach(t => t.Input).Must(kv => TaskRules.IsPlainText(kv.Value) && kv.Value!.Length <= TaskRules.MaxInputValueLength)
            .WithMessage($"Input values are strings of at most {TaskRules.MaxInputValueLength} characters without NUL.");
        RuleFor(t => t.TimeoutSeconds).InclusiveBetween(TaskRules.MinTimeoutSeconds, TaskRules.MaxTimeoutSeconds).When(t => t.TimeoutSeconds is not null);
    }

    public static TaskDefinition ToDefinition(TaskInput input) => new(
        input.Image!, (input.Command ?? []).Select(c => c!).ToList(),
        new SortedDictionary<string, string>((input.Input ?? new Dictionary<string, string?>()).ToDictionary(kv => kv.Key, kv => kv.Value!), StringComparer.Ordinal),
        input.TimeoutSeconds ?? TaskRules.DefaultTimeoutSeconds);
}

public sealed class CreateTaskValidator : AbstractValidator<CreateTaskCommand>
{
    public CreateTaskValidator()
    {
        RuleFor(c => c.TeamId).NotEqual(default(TeamId)).WithMessage("teamId is required.");
        RuleFor(c => c.Task).NotNull().WithMessage("Say what the task runs.").SetValidator(new TaskInputValidator()!).OverridePropertyName("task");
    }
}

public sealed class CreateWorkflowValidator : AbstractValidator<CreateWorkflowCommand>
{
    public CreateWorkflowValidator()
    {
        RuleFor(c => c.TeamId).NotEqual(default(TeamId)).WithMessage("teamId is required.");
        RuleFor(c => c.Steps).NotEmpty().WithMessage("A workflow has at least one step.")
            .Must(s => s is null || s.Count <= TaskRules.MaxSteps).WithMessage($"At most {TaskRules.MaxSteps} steps.")
            .Must(s => s is null || s.Where(x => x?.Name is not null).Select(x => x!.Name).Distinct().Count() == s.Count(x => x?.Name is not null))
            .WithMessage("Step names must be different.");
        RuleForEach(c => c.Steps).NotNull().ChildRules(step =>
        {
            step.RuleFor(s => s!.Name).Must(TaskRules.IsStepName).WithMessage($"A step name is {TaskRules.StepNameRule}.");
            step.RuleFor(s => s!.Task).NotNull().WithMessage("Say what the step runs.").SetValidator(new TaskInputValidator()!);
        });
    }
}

/// <summary>
/// Both starts: the team must be the caller's (404 otherwise), the role must allow creating (403), and the organization
/// must have room under its plan's limit on unfinished tasks (409 <c>tier.task_limit</c>). The unfinished tasks are
/// counted under the subscription's row lock, so of racing starts only as many pass as the limit allows.
/// </summary>
public sealed class StartTaskHandler(IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, TaskSyncSignal signal, TimeProvider clock)
    : IRequestHandler<CreateTaskCommand, TaskDto>, IRequestHandler<CreateWorkflowCommand, WorkflowDto>
{
    public async Task<TaskDto> Handle(CreateTaskCommand command, CancellationToken cancellationToken) => TaskMapping.ToTaskDto(
        await StartAsync(command.TeamId, TaskKind.Task, [new TaskStep(TaskRun.SingleStep, TaskInputValidator.ToDefinition(command.Task!))], cancellationToken));

    public async Task<WorkflowDto> Handle(CreateWorkflowCommand command, CancellationToken cancellationToken) => TaskMapping.ToWorkflowDto(
        await StartAsync(command.TeamId, TaskKind.Workflow,
            command.Steps!.Select(s => new TaskStep(s!.Name!, TaskInputValidator.ToDefinition(s.Task!))).ToList(), cancellationToken));

    private async Task<TaskRun> StartAsync(TeamId team, TaskKind kind, IReadOnlyList<TaskStep> steps, CancellationToken cancellationToken)
    {
        var organization = (await authorizer.MembershipAsync(new ResourceRef.Team(team), cancellationToken)).Organization;
        var subscription = await db.LockSubscriptionAsync(organization, cancellationToken);
        var unfinished = await db.Tasks.CountAsync(t => t.OrganizationId == organization && (t.Phase == TaskPhase.Pending || t.Phase == TaskPhase.Running),
            cancellationToken);   // after the lock: every start that took it before has committed
        var task = subscription.StartTask(team, organization, user.Id, kind, steps, unfinished, clock.GetUtcNow());
        db.Tasks.Add(task);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return task;
    }
}
