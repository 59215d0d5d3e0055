using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Templates;
using FluentValidation;

namespace CleanScheduler.Application.Features.Templates;

public sealed class CreateTemplateValidator : AbstractValidator<CreateTemplateCommand>
{
    public CreateTemplateValidator()
    {
        RuleFor(c => c.Name).ValidDisplayName("template name");
        RuleFor(c => c.Description).MaximumLength(Template.MaxDescriptionLength);
        RuleFor(c => c.Visibility).Must(v => TemplateVisibilityCodes.TryParse(v, out _))
            .WithMessage($"Must be one of: {string.Join(", ", TemplateVisibilityCodes.All)}.");
        RuleFor(c => c.TeamId).NotNull().When(c => c.Visibility is "private" or "team" or "org")
            .WithMessage("Name the team the template is for.");
        RuleFor(c => c.Spec).NotEmpty().WithMessage("The spec (YAML) is required.");
    }
}
