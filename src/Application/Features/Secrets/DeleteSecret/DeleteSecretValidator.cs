using CleanScheduler.Domain.Secrets;
using FluentValidation;

namespace CleanScheduler.Application.Features.Secrets;

public sealed class DeleteSecretValidator : AbstractValidator<DeleteSecretCommand>
{
    public DeleteSecretValidator()
    {
        RuleFor(c => c.OrganizationId.Value).NotEqual(Guid.Empty).OverridePropertyName("organizationId").WithMessage("An organizationId is required.");
        RuleFor(c => c.Key).Must(SecretEntry.IsValidKey).WithMessage($"Must be {SecretEntry.KeyRule}.");
        RuleFor(c => c.Service).Must(SecretRules.IsServiceName).WithMessage("Must be the name of a service of the deployment's template.");
        RuleFor(c => c.Service).Null().When(c => c.DeploymentId is null).WithMessage("A service secret needs a deploymentId.");
    }
}
