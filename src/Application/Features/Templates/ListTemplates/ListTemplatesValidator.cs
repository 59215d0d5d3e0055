using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Templates;
using FluentValidation;

namespace CleanScheduler.Application.Features.Templates;

public sealed class ListTemplatesValidator : AbstractValidator<ListTemplatesQuery>
{
    public ListTemplatesValidator()
    {
        this.RulesForPaging();
        RuleFor(q => q.Visibility).Must(v => TemplateVisibilityCodes.TryParse(v, out _)).When(q => q.Visibility is not null)
            .WithMessage($"Must be one of: {string.Join(", ", TemplateVisibilityCodes.All)}.");
    }
}
