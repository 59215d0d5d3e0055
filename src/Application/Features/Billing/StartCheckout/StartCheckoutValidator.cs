using FluentValidation;

namespace CleanScheduler.Application.Features.Billing;

public sealed class StartCheckoutValidator : AbstractValidator<StartCheckoutCommand>
{
    public StartCheckoutValidator() => RuleFor(c => c.PlanId).NotEmpty().MaximumLength(100).WithMessage("Name the plan to subscribe to (its id or code).");
}
