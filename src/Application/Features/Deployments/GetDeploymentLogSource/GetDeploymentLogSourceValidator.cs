using CleanScheduler.Domain.Deployments;
using FluentValidation;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetDeploymentLogSourceValidator : AbstractValidator<GetDeploymentLogSourceQuery>
{
    public GetDeploymentLogSourceValidator()
    {
        RuleFor(q => q.Service).Must(DeploymentName.IsValid).When(q => q.Service is not null)
            .WithMessage("service must be the name of one of the deployment's services.");
        RuleFor(q => q.Pod).Matches("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$").When(q => q.Pod is not null)
            .WithMessage("pod must be the name of one of the deployment's pods.");
    }
}
