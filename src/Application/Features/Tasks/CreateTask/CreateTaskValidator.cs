using CleanScheduler.Domain.Common;
using FluentValidation;

namespace CleanScheduler.Application.Features.Tasks;

public sealed class CreateTaskValidator : AbstractValidator<CreateTaskCommand>
{
    public CreateTaskValidator()
    {
        RuleFor(c => c.TeamId).NotEqual(default(TeamId)).WithMessage("teamId is required.");
        RuleFor(c => c.Task).NotNull().WithMessage("Say what the task runs.").SetValidator(new TaskInputValidator()!).OverridePropertyName("task");
    }
}
