using CleanScheduler.Application.Features.Invitations;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Invitations;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public sealed record InviteRequest(string? Email, string? Role);

public sealed record InvitationTokenRequest(string? Token);

public static class InvitationEndpoints
{
    public static IEndpointRouteBuilder MapInvitationEndpoints(this IEndpointRouteBuilder app)
    {
        var orgs = app.MapGroup("/api/orgs/{id:guid}/invitations").WithTags("Invitations").RequireAuthorization();
        orgs.MapPost("/", InviteToOrganizationAsync).WithName("inviteToOrganization")
            .WithSummary("Invite an e-mail address to the organization with an org role (a pending invitation for it is sent again: 200)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status429TooManyRequests)
            .RequireRateLimiting(InvitationLimits.Policy);
        orgs.MapGet("/", ListOrganizationInvitationsAsync).WithName("listOrganizationInvitations")
            .WithSummary("Open invitations of the organization and its teams (pending or expired), with their mail status")
            .WithProblems(Status403Forbidden, Status404NotFound);

        var teams = app.MapGroup("/api/teams/{id:guid}/invitations").WithTags("Invitations").RequireAuthorization();
        teams.MapPost("/", InviteToTeamAsync).WithName("inviteToTeam")
            .WithSummary("Invite an e-mail address to the team with a team role, within the plan's members-per-team limit")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status429TooManyRequests)
            .RequireRateLimiting(InvitationLimits.Policy);
        teams.MapGet("/", ListTeamInvitationsAsync).WithName("listTeamInvitations")
            .WithSummary("Open invitations of the team (pending or expired), with their mail status")
            .WithProblems(Status403Forbidden, Status404NotFound);

        var invitations = app.MapGroup("/api/invitations").WithTags("Invitations").RequireAuthorization();
        invitations.MapPost("/{id:guid}/resend", ResendAsync).WithName("resendInvitation")
            .WithSummary("Send a pending invitation again: a new link (the old one stops working) valid for 7 days; at most once a minute")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict, Status429TooManyRequests)
            .RequireRateLimiting(InvitationLimits.Policy);
        invitations.MapDelete("/{id:guid}", RevokeAsync).WithName("revokeInvitation").WithSummary("Withdraw a pending invitation")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        invitations.MapGet("/by-token/{token}", ByTokenAsync).WithName("getInvitationByToken").AllowAnonymous()
            .WithSummary("What an invitation link leads to (no sign-in needed): organization, team, role, inviter, expiry, status")
            .WithProblems(Status404NotFound);
        invitations.MapPost("/accept", AcceptAsync).WithName("acceptInvitation")
            .WithSummary("Accept an invitation as the signed-in user, whose e-mail must be the invited address")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status410Gone);
        invitations.MapPost("/decline", DeclineAsync).WithName("declineInvitation").AllowAnonymous()
            .WithSummary("Decline an invitation (no account needed)")
            .WithProblems(Status400BadRequest, Status404NotFound, Status410Gone);
        return app;
    }

    private static async Task<Results<Created<InvitationDto>, Ok<InvitationDto>>> InviteToOrganizationAsync(
        Guid id, InviteRequest body, IMediator mediator, CancellationToken ct) =>
        Answer(await mediator.Send(new InviteToOrganizationCommand(new OrganizationId(id), body.Email, body.Role), ct));

    private static async Task<Results<Created<InvitationDto>, Ok<InvitationDto>>> InviteToTeamAsync(
        Guid id, InviteRequest body, IMediator mediator, CancellationToken ct) =>
        Answer(await mediator.Send(new InviteToTeamCommand(new TeamId(id), body.Email, body.Role), ct));

    private static Results<Created<InvitationDto>, Ok<InvitationDto>> Answer(InvitationSent sent) => sent.Created
        ? TypedResults.Created($"/api/invitations/{sent.Invitation.Id}", sent.Invitation)
        : TypedResults.Ok(sent.Invitation);

    private static async Task<Ok<IReadOnlyList<InvitationDto>>> ListOrganizationInvitationsAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListOrganizationInvitationsQuery(new OrganizationId(id)), ct));

    private static async Task<Ok<IReadOnlyList<InvitationDto>>> ListTeamInvitationsAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListTeamInvitationsQuery(new TeamId(id)), ct));

    private static async Task<Ok<InvitationDto>> ResendAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ResendInvitationCommand(new InvitationId(id)), ct));

    private static async Task<NoContent> RevokeAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RevokeInvitationCommand(new InvitationId(id)), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<InvitationPreviewDto>> ByTokenAsync(string token, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetInvitationByTokenQuery(token), ct));

    private static async Task<Ok<AcceptedInvitationDto>> AcceptAsync(InvitationTokenRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AcceptInvitationCommand(body.Token), ct));

    private static async Task<NoContent> DeclineAsync(InvitationTokenRequest body, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeclineInvitationCommand(body.Token), ct);
        return TypedResults.NoContent();
    }
}
