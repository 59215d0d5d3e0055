using System.Security.Claims;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.WebApi.Auth;
using CleanScheduler.WebApi.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

/// <summary>The caller's own browser sessions on this host: list, sign one out, sign out everywhere else. Cookie sessions only.</summary>
public static class SessionEndpoints
{
    public sealed record SessionResponse(string Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? UserAgent, string? Ip, bool Current);
    public sealed record RevokedResponse(int Revoked);

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/sessions").WithTags("Sessions").RequireSession().RequireSessionCookie();   // no token (policy), and a cookie (filter)
        group.MapGet("/", ListAsync).WithName("listSessions")
            .WithSummary("The caller's signed-in sessions on this host, newest first").WithProblems(Status403Forbidden);
        group.MapDelete("/{id}", RevokeAsync).WithName("revokeSession")
            .WithSummary("Sign one of the caller's sessions out").WithProblems(Status403Forbidden, Status404NotFound);
        group.MapPost("/revoke-others", RevokeOthersAsync).WithName("revokeOtherSessions")
            .WithSummary("Sign out everywhere else: end every session of the caller on this host but the current one").WithProblems(Status403Forbidden);
        return app;
    }

    /// <summary>
    /// Only a request signed in by a session cookie passes (403 <c>auth.session_required</c> otherwise): what manages
    /// sign-ins must not be reachable with an API token or without a session.
    /// </summary>
    public static TBuilder RequireSessionCookie<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) => CurrentHandle(context.HttpContext.User) is null
            ? Problems.Result(Problems.Coded(Status403Forbidden, "Forbidden", "auth.session_required",
                "This needs a browser session (sign in at /auth/login); API tokens cannot manage sessions or tokens."))
            : await next(context));

    /// <summary>Where a sign-in comes from: the User-Agent (shortened, control characters removed) and the peer's address.</summary>
    public static SessionDevice DeviceOf(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress;
        return SessionDevice.From(http.Request.Headers.UserAgent.ToString(), (ip is { IsIPv4MappedToIPv6: true } ? ip.MapToIPv4() : ip)?.ToString());
    }

    private static async Task<Ok<List<SessionResponse>>> ListAsync(
        ClaimsPrincipal principal, ICurrentUser user, ICurrentClient client, ISessionStore sessions, TimeProvider clock, CancellationToken ct)
    {
        var current = CurrentHandle(principal);
        var list = await sessions.ListAsync(user.Id, client.Id, clock.GetUtcNow(), ct);
        return TypedResults.Ok(list.Select(s => new SessionResponse(s.Handle, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.Ip, s.Handle == current)).ToList());
    }

    private static async Task<NoContent> RevokeAsync(
        string id, ICurrentUser user, ICurrentClient client, ISessionStore sessions, TimeProvider clock, CancellationToken ct)
    {
        if (!SessionIds.LooksLikeHandle(id)) throw new NotFoundException("session", "(not a session id)");
        if (!await sessions.RevokeAsync(user.Id, client.Id, id, clock.GetUtcNow(), ct))
            throw new NotFoundException("session", id);   // unknown, ended or another user's: all look the same
        return TypedResults.NoContent();
    }

    private static async Task<Ok<RevokedResponse>> RevokeOthersAsync(
        ClaimsPrincipal principal, ICurrentUser user, ICurrentClient client, ISessionStore sessions, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(new RevokedResponse(await sessions.RevokeOthersAsync(user.Id, client.Id, CurrentHandle(principal)!, clock.GetUtcNow(), ct)));

    private static string? CurrentHandle(ClaimsPrincipal principal) => principal.FindFirstValue(SessionAuthenticationHandler.SessionClaim);
}
