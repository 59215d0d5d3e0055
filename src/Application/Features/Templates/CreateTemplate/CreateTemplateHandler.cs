using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

public sealed class CreateTemplateHandler(
    IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, TemplateAccess templates, TemplateSpecCache specs, TimeProvider clock)
    : IRequestHandler<CreateTemplateCommand, TemplateDetails>
{
    public async Task<TemplateDetails> Handle(CreateTemplateCommand command, CancellationToken cancellationToken)
    {
        TemplateVisibilityCodes.TryParse(command.Visibility, out var visibility);
        Template template;
        var now = clock.GetUtcNow();
        if (visibility == TemplateVisibility.System)
        {
            await authorizer.RequirePlatformAdminAsync(null, cancellationToken);
            specs.ParseOrThrow(command.Spec);
            if (await db.Templates.AnyAsync(t => t.Visibility == TemplateVisibility.System && t.Name.ToLower() == command.Name!.Trim().ToLower(), cancellationToken))
                throw new RuleViolationException("template.name_taken", $"A system template named '{command.Name!.Trim()}' already exists.");
            template = Template.PublishSystem(command.Name!, command.Description ?? "", command.Spec!, user.Id, now);
        }
        else
        {
            var team = command.TeamId!.Value;
            var access = await authorizer.RequireAsync(new ResourceRef.Team(team), Permission.TemplatesCreate, cancellationToken);
            if (visibility == TemplateVisibility.Org)
                await authorizer.RequireAsync(new ResourceRef.Organization(access.Organization), Permission.OrgManageTemplates, cancellationToken);
            var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == access.Organization, cancellationToken);
            subscription.EnsureTemplateVisibilityAllowed(visibility.ToCode(), orgWide: visibility == TemplateVisibility.Org, now);
            specs.ParseOrThrow(command.Spec);
            OrganizationId? org = access.Organization;
            if (await db.Templates.AnyAsync(t => t.OrganizationId == org && t.Name.ToLower() == command.Name!.Trim().ToLower(), cancellationToken))
                throw new RuleViolationException("template.name_taken", $"This organization already has a template named '{command.Name!.Trim()}'.");
            template = Template.CreateFor(access.Organization, team, visibility, command.Name!, command.Description ?? "", command.Spec!, user.Id, now);
        }
        db.Templates.Add(template);
        await db.SaveChangesAsync(cancellationToken);
        return TemplateMapping.ToDetails(template, template.Current, specs.TryParse(template.Current.Spec), await templates.CanEditAsync(template, cancellationToken));
    }
}
