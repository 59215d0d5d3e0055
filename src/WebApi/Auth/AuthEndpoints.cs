using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Users;
using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Endpoints;
using CleanScheduler.WebApi.Errors;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// Sign-in and sign-out. <c>/auth/login</c> returns to the app afterwards, at <c>?returnTo=</c> when that is a path of
/// this site. Outside DEV_MODE it starts the OpenID Connect flow (<see cref="OidcSignIn"/>); with DEV_MODE it starts a
/// session for dev@localhost (or the address in <c>?as=</c>) at once.
/// </summary>
public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth").WithTags("Auth").AllowAnonymous();
        group.MapGet("/login", LoginAsync).WithName("signIn").WithSummary("Start signing in (a browser navigation; ends in a redirect)")
            .Produces(StatusCodes.Status302Found).ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("/logout", LogoutAsync).WithName("signOut").WithSummary("End the browser session").Produces(StatusCodes.Status204NoContent);   // POST only: a link or an image on another site must not sign anyone out (GET answers 405)
        return app;
    }

    private static async Task<IResult> LoginAsync(HttpContext http, ServerSettings settings, DevUserCache devUsers, string? @as, string? returnTo)
    {
        var local = IsLocalPath(returnTo) ? returnTo! : "/";
        if (!settings.DevMode) return await OidcSignIn.ChallengeAsync(http, local);
        if (!EmailAddress.TryParse(@as ?? ServerSettings.DevUserEmail, out var email))
            return Problems.Result(Problems.Validation(new Dictionary<string, string[]> { ["as"] = ["Must be an e-mail address."] }));

        await StartSessionAsync(http, await devUsers.ResolveAsync(email, http.RequestServices, http.RequestAborted));
        return Results.Redirect(local);
    }

    /// <summary>Ends the request's session, if any, and starts a new one for <paramref name="user"/> (a new id at every sign-in).</summary>
    public static async Task StartSessionAsync(HttpContext http, UserRef user)
    {
        var services = http.RequestServices;
        var settings = services.GetRequiredService<ServerSettings>();
        var sessions = services.GetRequiredService<ISessionStore>();
        await EndSessionAsync(http, settings, sessions);
        var session = await sessions.CreateAsync(user.Id, user.Email, services.GetRequiredService<TimeProvider>().GetUtcNow(), settings.SessionDuration,
            http.RequestAborted, services.GetRequiredService<ICurrentClient>().Id, SessionEndpoints.DeviceOf(http));
        http.Response.Cookies.Append(settings.SessionCookieName, session.Id, CookieOptions(http, settings, session.ExpiresAt));
    }

    /// <summary>
    /// A path on this site ("/orgs/x?tab=y"), never an address elsewhere: not "//host", not "/\host" (browsers read
    /// both as another host), no scheme, no control characters. Anything else returns to "/" (no open redirect).
    /// </summary>
    public static bool IsLocalPath(string? path) =>
        path is { Length: > 0 and <= 2048 } && path[0] == '/'
        && (path.Length == 1 || path[1] != '/')
        && path.All(c => c is > ' ' and <= '~' && c != '\\');   // printable ASCII only: anything else is not a valid Location

    private static async Task<IResult> LogoutAsync(HttpContext http, ServerSettings settings, ISessionStore sessions)
    {
        await EndSessionAsync(http, settings, sessions);
        return Results.NoContent();
    }

    private static async Task EndSessionAsync(HttpContext http, ServerSettings settings, ISessionStore sessions)
    {
        var id = http.Request.Cookies[settings.SessionCookieName];
        if (SessionIds.LooksValid(id)) await sessions.DeleteAsync(id!, http.RequestAborted);
        if (id is not null) http.Response.Cookies.Delete(settings.SessionCookieName, CookieOptions(http, settings, null));
    }

    /// <summary>SESSION_COOKIE_DOMAIN is the platform's own domain: on a white-label client's host the cookie stays host-only.</summary>
    public static CookieOptions CookieOptions(HttpContext http, ServerSettings settings, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = settings.CookieSecure,
        Domain = http.RequestServices.GetRequiredService<ICurrentClient>().Id is null ? settings.SessionCookieDomain : null,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
