using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using FluentValidation;

namespace CleanScheduler.Application.Features.Tasks;

public sealed class ListTaskRunsValidator : AbstractValidator<ListTaskRunsQuery>
{
    public ListTaskRunsValidator()
    {
        this.RulesForPaging();
        RuleFor(q => q.TeamId).NotEqual(default(TeamId)).WithMessage("teamId is required.");
        RuleFor(q => q.Phase).Must(p => TaskCodes.TryParsePhase(p, out _)).When(q => q.Phase is not null)
            .WithMessage($"Must be one of: {string.Join(", ", Enum.GetNames<TaskPhase>())}.");
    }
}
