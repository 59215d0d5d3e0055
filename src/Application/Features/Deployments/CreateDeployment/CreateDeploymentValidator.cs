using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using FluentValidation;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class CreateDeploymentValidator : AbstractValidator<CreateDeploymentCommand>
{
    public CreateDeploymentValidator()
    {
        RuleFor(c => c.Name).Must(DeploymentName.IsValid).WithMessage($"The name must be {DeploymentName.Rule}.");
        RuleFor(c => c.TemplateId).NotEqual(default(TemplateId)).WithMessage("Name the template to deploy.");
        RuleFor(c => c.TemplateVersion).GreaterThanOrEqualTo(1).When(c => c.TemplateVersion is not null);
        this.RulesForValues(c => c.Values);
    }
}
