using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Teams;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public static class TeamEndpoints
{
    public static IEndpointRouteBuilder MapTeamEndpoints(this IEndpointRouteBuilder app)
    {
        var teams = app.MapGroup("/api/teams").WithTags("Teams").RequireAuthorization();
        teams.MapGet("/{id:guid}", GetAsync).WithName("getTeam").WithSummary("One team").WithProblems(Status403Forbidden, Status404NotFound);
        teams.MapPatch("/{id:guid}", RenameAsync).WithName("renameTeam").WithSummary("Rename a team")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        teams.MapDelete("/{id:guid}", DeleteAsync).WithName("deleteTeam").WithSummary("Delete a team (not the default team)")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);

        var members = teams.MapGroup("/{id:guid}/members").WithTags("Team members");
        members.MapGet("/", ListMembersAsync).WithName("listTeamMembers").WithSummary("Members of a team")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound);
        members.MapPost("/", AddMemberAsync).WithName("addTeamMember").WithSummary("Add a member by e-mail, within the tier's members-per-team limit")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        members.MapPatch("/{userId:guid}", ChangeMemberRoleAsync).WithName("changeTeamMemberRole").WithSummary("Change a member's team role")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        members.MapDelete("/{userId:guid}", RemoveMemberAsync).WithName("removeTeamMember").WithSummary("Remove a member from the team")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        return app;
    }

    private static async Task<Ok<TeamDto>> GetAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetTeamQuery(new TeamId(id)), ct));

    private static async Task<Ok<TeamDto>> RenameAsync(Guid id, RenameRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RenameTeamCommand(new TeamId(id), body.Name), ct));

    private static async Task<NoContent> DeleteAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteTeamCommand(new TeamId(id)), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Paged<MemberDto>>> ListMembersAsync(Guid id, IMediator mediator, CancellationToken ct, int? page, int? pageSize) =>
        TypedResults.Ok(await mediator.Send(new ListTeamMembersQuery(new TeamId(id), page ?? 1, pageSize ?? Paging.DefaultPageSize), ct));

    private static async Task<Created<MemberDto>> AddMemberAsync(Guid id, AddMemberRequest body, IMediator mediator, CancellationToken ct)
    {
        var member = await mediator.Send(new AddTeamMemberCommand(new TeamId(id), body.Email, body.Role), ct);
        return TypedResults.Created($"/api/teams/{id}/members/{member.UserId}", member);
    }

    private static async Task<Ok<MemberDto>> ChangeMemberRoleAsync(Guid id, Guid userId, ChangeRoleRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ChangeTeamMemberRoleCommand(new TeamId(id), new UserId(userId), body.Role), ct));

    private static async Task<NoContent> RemoveMemberAsync(Guid id, Guid userId, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RemoveTeamMemberCommand(new TeamId(id), new UserId(userId)), ct);
        return TypedResults.NoContent();
    }
}
