using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Users;
using FluentValidation;

namespace CleanScheduler.Application.Common;

/// <summary>Field rules shared by several validators, each reusing the domain's own check.</summary>
public static class ValidationRules
{
    public static IRuleBuilderOptions<T, string?> ValidDisplayName<T>(this IRuleBuilder<T, string?> rule, string what) =>
        rule.Must(DisplayName.IsValid).WithMessage($"The {what} must be {DisplayName.Rule}.");

    public static IRuleBuilderOptions<T, string?> ValidEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(EmailAddress.IsValid).WithMessage($"Must be an e-mail address of at most {EmailAddress.MaxLength} characters.");

    /// <summary>An address mail can be sent to: also no leading, trailing or double dot before the @.</summary>
    public static IRuleBuilderOptions<T, string?> DeliverableEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(EmailAddress.IsDeliverable)
            .WithMessage($"Must be an e-mail address of at most {EmailAddress.MaxLength} characters, without a leading, trailing or double dot before the @.");

    public static IRuleBuilderOptions<T, string?> ValidOrgRole<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(r => RoleCodes.TryParseOrgRole(r, out _))
            .WithMessage($"Must be one of: {string.Join(", ", RoleCodes.AllOrgRoles)}.");

    public static IRuleBuilderOptions<T, string?> ValidTeamRole<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(r => RoleCodes.TryParseTeamRole(r, out _))
            .WithMessage($"Must be one of: {string.Join(", ", RoleCodes.AllTeamRoles)}.");
}
