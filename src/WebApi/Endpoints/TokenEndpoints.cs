using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CleanScheduler.Application.Features.Tokens;
using CleanScheduler.WebApi.Auth;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public sealed record CreateTokenRequest(
    [property: Required, MaxLength(100), Description("What the token is for, to tell tokens apart.")] string? Name,
    [property: Required, Description("read (GET only) or write (everything the user may do).")] string? Scope,
    [property: Required, Description("When the token stops working; at most one year ahead.")] DateTimeOffset? ExpiresAt,
    [property: Description("Limit the token to this organization (one the caller belongs to).")] Guid? OrganizationId = null);

/// <summary>Personal API tokens. Managed from a signed-in browser session only: a token cannot mint or revoke tokens.</summary>
public static class TokenEndpoints
{
    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/tokens").WithTags("API tokens").RequireSession();
        tokens.MapGet("/", ListAsync).WithName("listApiTokens").WithSummary("The caller's API tokens, newest first (never their secrets)")
            .WithProblems(Status403Forbidden);
        tokens.MapPost("/", CreateAsync).WithName("createApiToken")
            .WithSummary("Create an API token; the answer carries its secret, which is shown this once and never again")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        tokens.MapDelete("/{id:guid}", RevokeAsync).WithName("revokeApiToken").WithSummary("Revoke an API token at once")
            .WithProblems(Status403Forbidden, Status404NotFound);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<ApiTokenDto>>> ListAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListApiTokensQuery(), ct));

    private static async Task<Created<CreatedApiTokenDto>> CreateAsync(CreateTokenRequest body, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";   // the secret must not stay in any cache
        var token = await mediator.Send(new CreateApiTokenCommand(body.Name, body.Scope, body.ExpiresAt, body.OrganizationId), ct);
        return TypedResults.Created($"/api/tokens/{token.Id}", token);
    }

    private static async Task<NoContent> RevokeAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RevokeApiTokenCommand(id), ct);
        return TypedResults.NoContent();
    }
}
