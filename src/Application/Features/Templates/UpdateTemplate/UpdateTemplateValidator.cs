using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Templates;
using FluentValidation;

namespace CleanScheduler.Application.Features.Templates;

public sealed class UpdateTemplateValidator : AbstractValidator<UpdateTemplateCommand>
{
    public UpdateTemplateValidator()
    {
        RuleFor(c => c.Spec).NotEmpty().WithMessage("The spec (YAML) is required.");
        RuleFor(c => c.Name).ValidDisplayName("template name").When(c => c.Name is not null);
        RuleFor(c => c.Description).MaximumLength(Template.MaxDescriptionLength);
    }
}
