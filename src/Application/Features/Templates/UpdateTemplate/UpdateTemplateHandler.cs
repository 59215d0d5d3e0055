using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

public sealed class UpdateTemplateHandler(IAppDbContext db, ICurrentUser user, TemplateAccess templates, TemplateSpecCache specs, TimeProvider clock)
    : IRequestHandler<UpdateTemplateCommand, TemplateDetails>
{
    public async Task<TemplateDetails> Handle(UpdateTemplateCommand command, CancellationToken cancellationToken)
    {
        var template = await templates.VisibleAsync(command.Id, cancellationToken);
        await templates.EnsureCanEditAsync(template, cancellationToken);
        specs.ParseOrThrow(command.Spec);
        if (command.Name is not null && !string.Equals(command.Name.Trim(), template.Name, StringComparison.OrdinalIgnoreCase))
        {
            var lowered = command.Name.Trim().ToLower();
            var taken = template.Visibility == TemplateVisibility.System
                ? await db.Templates.AnyAsync(t => t.Visibility == TemplateVisibility.System && t.Name.ToLower() == lowered, cancellationToken)
                : await db.Templates.AnyAsync(t => t.OrganizationId == template.OrganizationId && t.Name.ToLower() == lowered, cancellationToken);
            if (taken) throw new RuleViolationException("template.name_taken", $"A template named '{command.Name.Trim()}' already exists.");
        }
        var version = template.Revise(command.Spec!, command.Name, command.Description, user.Id, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TemplateMapping.ToDetails(template, version, specs.TryParse(version.Spec), canEdit: true);
    }
}
