using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Teams;

public sealed record CreateTeamCommand(OrganizationId OrganizationId, string? Name) : ICommand<TeamDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamCreate;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class CreateTeamValidator : AbstractValidator<CreateTeamCommand>
{
    public CreateTeamValidator() => RuleFor(c => c.Name).ValidDisplayName("team name");
}

public sealed class CreateTeamHandler(IAppDbContext db, ICurrentUser user, TimeProvider clock) : IRequestHandler<CreateTeamCommand, TeamDto>
{
    public async Task<TeamDto> Handle(CreateTeamCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.OrganizationId, cancellationToken);
        await TeamNames.EnsureFreeAsync(db, org.Id, command.Name!, except: null, cancellationToken);

        var team = org.AddTeam(command.Name!, clock.GetUtcNow());
        db.Teams.Add(team);
        await db.SaveChangesAsync(cancellationToken);
        var limits = await db.Subscriptions.Where(s => s.OrganizationId == org.Id).Select(s => s.Limits).SingleAsync(cancellationToken);
        return TeamRow.Of(team, limits, org.RoleOf(user.Id), user.Id).ToDto();
    }
}

internal static class TeamNames
{
    /// <summary>Team names are unique within an organization, ignoring case (a unique index backs this).</summary>
    public static async Task EnsureFreeAsync(IAppDbContext db, OrganizationId org, string name, TeamId? except, CancellationToken cancellationToken)
    {
        var lowered = name.Trim().ToLowerInvariant();
        var anyTeam = except is null;   // a bool, not `except == null` in the tree: EF compiles such a test on every call
        if (await db.Teams.AnyAsync(t => t.OrganizationId == org && t.Name.ToLower() == lowered && (anyTeam || t.Id != except), cancellationToken))
            throw new RuleViolationException("team.name_taken", $"This organization already has a team named '{name.Trim()}'.");
    }
}
