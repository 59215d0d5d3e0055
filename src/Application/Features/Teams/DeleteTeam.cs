using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Teams;

/// <summary>Deletes a team and its memberships; org owners and admins only, never the default team, one with deployments or unfinished tasks.</summary>
public sealed record DeleteTeamCommand(TeamId Id) : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamDelete;
    public ResourceRef Resource => new ResourceRef.Team(Id);
}

public sealed class DeleteTeamHandler(IAppDbContext db, TimeProvider clock) : IRequestHandler<DeleteTeamCommand, Unit>
{
    public async Task<Unit> Handle(DeleteTeamCommand command, CancellationToken cancellationToken)
    {
        var team = await db.Teams.GetAsync(command.Id, cancellationToken);
        team.EnsureDeletable();
        if (await db.Deployments.AnyAsync(d => d.TeamId == team.Id, cancellationToken))
            throw new RuleViolationException("team.has_deployments", "The team still has deployments; delete them first.");
        await db.LockSubscriptionAsync(team.OrganizationId, cancellationToken);   // a start counts under this lock: none slips in after the check
        if (await db.Tasks.AnyAsync(t => t.TeamId == team.Id && (t.Phase == TaskPhase.Pending || t.Phase == TaskPhase.Running), cancellationToken))
            throw new RuleViolationException("team.has_tasks", "The team still has unfinished tasks or workflows; cancel them first.");
        team.MarkDeleted(clock.GetUtcNow());
        db.Teams.Remove(team);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
