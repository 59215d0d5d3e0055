using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Application.Features.Templates;

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
