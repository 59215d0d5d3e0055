using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using Mapster;

namespace CleanScheduler.Application.Common;

/// <summary>
/// The one Mapster configuration (a singleton) for DTOs that mirror the domain: typed ids become their Guid and
/// enums their API code. Used with <c>ProjectToType</c>, so EF Core reads only the DTO's columns.
/// </summary>
public static class Mapping
{
    public static TypeAdapterConfig Create()
    {
        var config = new TypeAdapterConfig();
        config.NewConfig<UserId, Guid>().MapWith(id => id.Value);
        config.NewConfig<OrganizationId, Guid>().MapWith(id => id.Value);
        config.NewConfig<TeamId, Guid>().MapWith(id => id.Value);
        config.NewConfig<ClientId, Guid>().MapWith(id => id.Value);
        config.NewConfig<PlanId, Guid>().MapWith(id => id.Value);
        config.NewConfig<TemplateId, Guid>().MapWith(id => id.Value);
        config.NewConfig<DeploymentId, Guid>().MapWith(id => id.Value);
        config.NewConfig<TemplateVisibility, string>().MapWith(v => v.ToCode());
        config.NewConfig<OrgRole, string>().MapWith(r => r.ToCode());
        config.NewConfig<TeamRole, string>().MapWith(r => r.ToCode());
        config.Compile();
        return config;
    }
}
