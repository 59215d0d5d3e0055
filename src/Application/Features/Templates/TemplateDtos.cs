using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Application.Features.Templates;

public sealed record TemplateSummary(
    Guid Id, string Name, string Description, string Visibility, Guid? OrganizationId, Guid? TeamId, Guid? CreatedBy,
    int CurrentVersion, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record TemplateVersionInfo(int Number, Guid? CreatedBy, DateTimeOffset CreatedAt);

public sealed record SettingDto(string Name, string? Default, bool Required, bool Secret, string? Description, IReadOnlyList<string> Services);

public sealed record ServicePortDto(string Name, int Port, bool Public);

public sealed record ServiceSummary(string Name, string Image, int Replicas, IReadOnlyList<ServicePortDto> Ports);

/// <summary>
/// One template at one version (<see cref="Version"/>; the current one unless asked otherwise): its YAML
/// <see cref="Spec"/>, the settings a deployment fills in, its services, and whether the caller may change it.
/// </summary>
public sealed record TemplateDetails(
    Guid Id, string Name, string Description, string Visibility, Guid? OrganizationId, Guid? TeamId, Guid? CreatedBy,
    int CurrentVersion, int Version, string Spec, IReadOnlyList<SettingDto> Settings, IReadOnlyList<ServiceSummary> Services,
    IReadOnlyList<TemplateVersionInfo> Versions, bool CanEdit, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>The spec does not read: every problem with its line, column and field.</summary>
public sealed class SpecValidationException(IReadOnlyList<SpecError> errors)
    : Exception($"The template spec has {errors.Count} problem(s).")
{
    public IReadOnlyList<SpecError> Errors { get; } = errors;
}
