using CleanScheduler.Domain.Tasks;
using FluentValidation;

namespace CleanScheduler.Application.Features.Tasks;

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
        RuleFor(t => t.Input).Must(i => i is null || i.Keys.Where(TaskRules.IsInputKey).GroupBy(TaskRules.InputVariable).All(g => g.Count() == 1))
            .WithMessage(t => "Input names must give different variables; " + string.Join(", ", t.Input!.Keys.Where(TaskRules.IsInputKey)
                .GroupBy(TaskRules.InputVariable).Where(g => g.Count() > 1).Select(g => $"{string.Join(" and ", g)} all become {g.Key}")) + ".");
        RuleForEach(t => t.Input).Must(kv => TaskRules.IsPlainText(kv.Value) && kv.Value!.Length <= TaskRules.MaxInputValueLength)
            .WithMessage($"Input values are strings of at most {TaskRules.MaxInputValueLength} characters without NUL.");
        RuleFor(t => t.TimeoutSeconds).InclusiveBetween(TaskRules.MinTimeoutSeconds, TaskRules.MaxTimeoutSeconds).When(t => t.TimeoutSeconds is not null);
    }

    public static TaskDefinition ToDefinition(TaskInput input) => new(
        input.Image!, (input.Command ?? []).Select(c => c!).ToList(),
        new SortedDictionary<string, string>((input.Input ?? new Dictionary<string, string?>()).ToDictionary(kv => kv.Key, kv => kv.Value!), StringComparer.Ordinal),
        input.TimeoutSeconds ?? TaskRules.DefaultTimeoutSeconds);
}
