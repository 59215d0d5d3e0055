using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

/// <summary>Deletes an organization with its teams and memberships (owners only).</summary>
public sealed record DeleteOrganizationCommand(OrganizationId Id) : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgDelete;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class DeleteOrganizationHandler(IAppDbContext db, ICurrentUser user, Secrets.SecretScopeCleanup secrets, TimeProvider clock) : IRequestHandler<DeleteOrganizationCommand, Unit>
{
    public async Task<Unit> Handle(DeleteOrganizationCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.Id, cancellationToken);
        if (await db.Deployments.AnyAsync(d => d.OrganizationId == command.Id, cancellationToken))
            throw new RuleViolationException("org.has_deployments", "The organization still has deployments; delete them first.");
        await db.LockSubscriptionAsync(command.Id, cancellationToken);   // a start counts under this lock: none slips in after the check
        if (await db.Tasks.AnyAsync(t => t.OrganizationId == command.Id && (t.Phase == TaskPhase.Pending || t.Phase == TaskPhase.Running), cancellationToken))
            throw new RuleViolationException("org.has_tasks", "The organization still has unfinished tasks or workflows; cancel them first.");
        db.Teams.RemoveRange(await db.Teams.Where(t => t.OrganizationId == command.Id).ToListAsync(cancellationToken));
        org.MarkDeleted(user.Id, clock.GetUtcNow());
        db.Organizations.Remove(org);
        await db.SaveChangesAsync(cancellationToken);
        await secrets.RemoveAsync([SecretScope.ForOrganization(command.Id.Value)], cancellationToken);
        return Unit.Value;
    }
}
