using FluentValidation;

namespace CleanScheduler.Application.Features.Secrets;

public sealed class ListSecretsValidator : AbstractValidator<ListSecretsQuery>
{
    public ListSecretsValidator()
    {
        RuleFor(c => c.OrganizationId.Value).NotEqual(Guid.Empty).OverridePropertyName("organizationId").WithMessage("An organizationId is required.");
        RuleFor(c => c.Service).Must(SecretRules.IsServiceName).WithMessage("Must be a service name.");
        RuleFor(c => c.Service).Null().When(c => c.DeploymentId is null).WithMessage("A service needs a deploymentId.");
    }
}
