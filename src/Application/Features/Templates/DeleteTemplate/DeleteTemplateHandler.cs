using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

public sealed class DeleteTemplateHandler(IAppDbContext db, TemplateAccess templates, TimeProvider clock) : IRequestHandler<DeleteTemplateCommand, Unit>
{
    public async Task<Unit> Handle(DeleteTemplateCommand command, CancellationToken cancellationToken)
    {
        var template = await templates.VisibleAsync(command.Id, cancellationToken);
        await templates.EnsureCanEditAsync(template, cancellationToken);
        if (await db.Deployments.AnyAsync(d => d.TemplateId == command.Id, cancellationToken))
            throw new RuleViolationException("template.in_use", "Deployments still use this template; delete them first.");
        template.MarkDeleted(clock.GetUtcNow());
        db.Templates.Remove(template);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
