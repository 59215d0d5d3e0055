using System.Globalization;
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
        RuleFor(c => c.Steps).Custom(EarlierStepsOnly).When(c => c.Steps is not null);
        RuleForEach(c => c.Steps).NotNull().ChildRules(step =>
        {
            step.RuleFor(s => s!.Name).Must(TaskRules.IsStepName).WithMessage($"A step name is {TaskRules.StepNameRule}.");
            step.RuleFor(s => s!.Task).NotNull().WithMessage("Say what the step runs.").SetValidator(new TaskInputValidator()!);
        });
    }

    /// <summary>A <c>${steps.N.output.KEY}</c> names an earlier step, by index or name: the operator could not resolve any other.</summary>
    private static void EarlierStepsOnly(IReadOnlyList<WorkflowStepInput?>? steps, ValidationContext<CreateWorkflowCommand> context)
    {
        var names = steps!.Select(s => s?.Name).ToList();
        for (var i = 0; i < steps!.Count; i++)
        {
            if (steps[i]?.Task is not { } task) continue;
            var strings = new List<(string Field, string? Text)> { ("Image", task.Image) };
            strings.AddRange((task.Command ?? []).Select((c, j) => ($"Command[{j}]", c)));
            strings.AddRange((task.Input ?? new Dictionary<string, string?>()).Select((kv, j) => ($"Input[{j}]", kv.Value)));
            foreach (var (field, text) in strings)
                foreach (var step in TaskRules.StepReferences(text).Distinct())
                {
                    var at = int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : names.IndexOf(step);
                    if (at < 0 || at >= i)
                        context.AddFailure($"Steps[{i}].Task.{field}", $"${{steps.{step}.output...}} must name an earlier step (its index from 0 or its name).");
                }
        }
    }
}
