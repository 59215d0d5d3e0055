using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using FluentValidation;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class ListDeploymentsValidator : AbstractValidator<ListDeploymentsQuery>
{
    public ListDeploymentsValidator()
    {
        this.RulesForPaging();
        RuleFor(q => q.TeamId).NotEqual(default(TeamId)).WithMessage("teamId is required.");
        RuleFor(q => q.State).Must(s => DeploymentCodes.TryParseState(s, out _)).When(q => q.State is not null)
            .WithMessage("Must be running or stopped.");
        RuleFor(q => q.Phase).Must(p => Enum.GetNames<DeploymentPhase>().Contains(p)).When(q => q.Phase is not null)
            .WithMessage($"Must be one of: {string.Join(", ", Enum.GetNames<DeploymentPhase>())}.");
    }
}
