using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using FluentValidation;

namespace CleanScheduler.Application.Features.Tasks;

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
