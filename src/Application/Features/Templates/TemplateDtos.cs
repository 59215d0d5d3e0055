using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
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

internal static class TemplateMapping
{
    public static TemplateDetails ToDetails(Template template, TemplateVersion version, TemplateSpec? spec, bool canEdit)
    {
        return new TemplateDetails(
            template.Id.Value, template.Name, template.Description, template.Visibility.ToCode(), template.OrganizationId?.Value,
            template.TeamId?.Value, template.CreatedBy?.Value, template.CurrentVersion, version.Number, version.Spec,
            spec is null ? [] : DeploymentSettings.Of(spec).Select(s => new SettingDto(s.Name, s.Default, s.Required, s.Secret, s.Description, s.Services)).ToList(),
            spec is null ? [] : spec.Services.Select(s => new ServiceSummary(s.Name, s.Image, s.Replicas,
                s.Ports.Select(p => new ServicePortDto(p.Name, p.Port, p.Public)).ToList())).ToList(),
            template.Versions.OrderByDescending(v => v.Number).Select(v => new TemplateVersionInfo(v.Number, v.CreatedBy?.Value, v.CreatedAt)).ToList(),
            canEdit, template.CreatedAt, template.UpdatedAt);
    }
}
