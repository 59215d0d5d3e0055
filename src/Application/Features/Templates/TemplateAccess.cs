using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Specifications;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// Who may see and change a template. Seeing: <see cref="TemplatesVisibleTo"/> (system: everyone; org: its
/// organization's members; team: those who may read the team; private: its creator while a member). Changing:
/// platform admins for system templates, org owners/admins for org templates, the creator or a team admin for team
/// templates, the creator for private ones. A template the caller may not see answers 404.
/// </summary>
public sealed class TemplateAccess(IAppDbContext db, ICurrentUser user, ICurrentClient client, IAccessReader access)
{
    /// <summary>The templates the caller sees (<see cref="TemplatesVisibleTo"/>), as one query.</summary>
    public IQueryable<Template> Visible()
    {
        var memberOf = db.Organizations.WithSpecification(new OrganizationsOfMember(client.Id, user.OrganizationLimit, user.Id)).Select(o => o.Id);
        var everyTeamOf = db.Organizations.WithSpecification(new OrganizationsWhereEveryTeamIsReadable(client.Id, user.OrganizationLimit, user.Id)).Select(o => o.Id);
        var teams = db.Teams.WithSpecification(new TeamsReadableBy(memberOf, everyTeamOf, user.Id)).Select(t => t.Id);
        return db.Templates.WithSpecification(new TemplatesVisibleTo(memberOf, teams, user.Id));
    }

    public async Task<Template> VisibleAsync(TemplateId id, CancellationToken cancellationToken) =>
        await Visible().SingleOrDefaultAsync(t => t.Id == id, cancellationToken) ?? throw new NotFoundException("template", id.Value);

    public async Task<bool> CanEditAsync(Template template, CancellationToken cancellationToken) => template.Visibility switch
    {
        TemplateVisibility.System => user.IsPlatformAdmin,
        TemplateVisibility.Org => Allows(await access.ForOrganizationAsync(template.OrganizationId!.Value, user.Id, cancellationToken), Permission.OrgManageTemplates),
        TemplateVisibility.Team => await TeamEditAsync(template, cancellationToken),
        TemplateVisibility.Private => template.CreatedBy == user.Id,
        _ => false,
    };

    public async Task EnsureCanEditAsync(Template template, CancellationToken cancellationToken)
    {
        if (!await CanEditAsync(template, cancellationToken))
            throw new AccessDeniedException("template.edit_denied", template.Visibility == TemplateVisibility.System
                ? "Only platform administrators can change system templates."
                : "Your role does not allow changing this template.");
    }

    private async Task<bool> TeamEditAsync(Template template, CancellationToken cancellationToken)
    {
        var found = await access.ForTeamAsync(template.TeamId!.Value, user.Id, cancellationToken);
        return Allows(found, Permission.TemplatesManage) || (template.CreatedBy == user.Id && Allows(found, Permission.TemplatesCreate));
    }

    private static bool Allows(ResourceAccess? found, Permission permission) =>
        found is not null && Permissions.Allows(found.OrgRole, found.TeamRole, permission);
}
