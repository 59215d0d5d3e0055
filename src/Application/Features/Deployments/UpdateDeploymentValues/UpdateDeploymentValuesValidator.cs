using FluentValidation;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class UpdateDeploymentValuesValidator : AbstractValidator<UpdateDeploymentValuesCommand>
{
    public UpdateDeploymentValuesValidator()
    {
        RuleFor(c => c.TemplateVersion).GreaterThanOrEqualTo(1).When(c => c.TemplateVersion is not null);
        this.RulesForValues(c => c.Values);
    }
}
