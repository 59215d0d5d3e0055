using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Teams;

public sealed record RenameTeamCommand(TeamId Id, string? Name) : ICommand<TeamDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamUpdate;
    public ResourceRef Resource => new ResourceRef.Team(Id);
}

public sealed class RenameTeamValidator : AbstractValidator<RenameTeamCommand>
{
    public RenameTeamValidator() => RuleFor(c => c.Name).ValidDisplayName("team name");
}

public sealed class RenameTeamHandler(IAppDbContext db, ICurrentUser user, TimeProvider clock) : IRequestHandler<RenameTeamCommand, TeamDto>
{
    public async Task<TeamDto> Handle(RenameTeamCommand command, CancellationToken cancellationToken)
    {
        var team = await db.Teams.GetAsync(command.Id, cancellationToken);
        await TeamNames.EnsureFreeAsync(db, team.OrganizationId, command.Name!, except: team.Id, cancellationToken);
        team.Rename(command.Name!, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return await TeamReads.DetailsAsync(db, team.Id, user.Id, cancellationToken);
    }
}
