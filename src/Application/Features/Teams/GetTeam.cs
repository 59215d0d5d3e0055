using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Teams;

public sealed record GetTeamQuery(TeamId Id) : IRequest<TeamDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamRead;
    public ResourceRef Resource => new ResourceRef.Team(Id);
}

public sealed class GetTeamHandler(IAppDbContext db, ICurrentUser user) : IRequestHandler<GetTeamQuery, TeamDto>
{
    public Task<TeamDto> Handle(GetTeamQuery query, CancellationToken cancellationToken) =>
        TeamReads.DetailsAsync(db, query.Id, user.Id, cancellationToken);
}
