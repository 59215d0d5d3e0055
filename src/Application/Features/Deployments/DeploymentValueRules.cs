using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using FluentValidation.Results;

namespace CleanScheduler.Application.Features.Deployments;

internal static class DeploymentValueRules
{
    public const int MaxValues = 200;

    public static void RulesForValues<T>(this AbstractValidator<T> validator, Func<T, IReadOnlyDictionary<string, string?>?> values)
    {
        validator.RuleFor(c => values(c)).Must(v => v is null || v.Count <= MaxValues)
            .OverridePropertyName("values").WithMessage($"At most {MaxValues} values.");
        validator.RuleForEach(c => values(c) ?? new Dictionary<string, string?>())
            .Must(kv => TemplateSpecRules.IsEnvName(kv.Key))
            .OverridePropertyName("values").WithMessage("Setting names are letters, digits and '_', not starting with a digit.");
    }

    /// <summary>Throws a 400 naming <c>values.NAME</c> for every problem.</summary>
    public static ResolvedValues ResolveOrThrow(TemplateSpec spec, IReadOnlyDictionary<string, string?> values, IReadOnlySet<string>? secretsAlreadySet = null)
    {
        var resolved = DeploymentSettings.Resolve(spec, values, out var problems, secretsAlreadySet);
        if (problems.Count > 0) throw new ValidationException(problems.Select(p => new ValidationFailure(p.Path, p.Message)));
        return resolved;
    }
}
