using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Tokens;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Users;
using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// Who is calling. A request with a bearer header is judged by its API token alone (<see cref="BearerTokens"/>).
/// Otherwise, in order: with DEV_MODE, the <c>X-Dev-User</c> header names the user (created on first use);
/// then a valid session cookie; then, with DEV_MODE, <c>dev@localhost</c>. Without DEV_MODE the header is ignored
/// and a request without a valid session is anonymous (401 on /api).
/// </summary>
public sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ServerSettings settings,
    ISessionStore sessions,
    DevUserCache devUsers,
    ICurrentClient client,
    IApiTokenStore tokens,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Session";
    public const string DevUserHeader = "X-Dev-User";

    /// <summary>On a request signed in by a session cookie: the session's public handle. Absent otherwise (DEV_MODE users, tokens).</summary>
    public const string SessionClaim = "cleanscheduler:session";
    private const string InvalidDevUserKey = "cleanscheduler.invalid-dev-user";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerTokens.Read(Request) is { } bearer)
            return await BearerTokens.AuthenticateAsync(bearer, SchemeName, tokens, client.Id, clock.GetUtcNow(), Context.RequestAborted);
        if (settings.DevMode && Request.Headers.TryGetValue(DevUserHeader, out var header))
        {
            if (!EmailAddress.TryParse(header.ToString(), out var email))
            {
                Context.Items[InvalidDevUserKey] = true;
                return AuthenticateResult.Fail($"{DevUserHeader} is not an e-mail address.");
            }
            return Success(await devUsers.ResolveAsync(email, Context.RequestServices, Context.RequestAborted));
        }

        var cookie = Request.Cookies[settings.SessionCookieName];
        if (SessionIds.LooksValid(cookie) && await sessions.GetAsync(cookie!, clock.GetUtcNow(), Context.RequestAborted) is { } session
            && session.Client == client.Id)   // a session is valid only on the client (host) it was made for
            return Success(new UserRef(session.UserId, session.Email), new Claim(SessionClaim, session.Handle));

        if (settings.DevMode)
            return Success(await devUsers.ResolveAsync(EmailAddress.From(ServerSettings.DevUserEmail), Context.RequestServices, Context.RequestAborted));
        return AuthenticateResult.NoResult();
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (BearerTokens.IsPresent(Request)) return BearerTokens.ChallengeInvalidAsync(Context);
        if (Context.Items.ContainsKey(InvalidDevUserKey))
            return Problems.WriteAsync(Context, Problems.Validation(new Dictionary<string, string[]>
            {
                [DevUserHeader] = [$"The {DevUserHeader} header must be an e-mail address."],
            }));
        return Problems.WriteAsync(Context, Problems.Coded(StatusCodes.Status401Unauthorized, "Sign-in required",
            "auth.required", "This request needs a signed-in user; sign in at /auth/login."));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, Problems.Coded(StatusCodes.Status403Forbidden, "Forbidden", "permission.denied",
            "You are not allowed to do this."));

    private AuthenticateResult Success(UserRef user, params Claim[] more)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id.Value.ToString()), new Claim(ClaimTypes.Email, user.Email), .. more], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>
/// DEV_MODE only: remembers which user id belongs to which e-mail, so that acting as a user costs one database
/// round trip the first time and none after. Bounded: it is emptied when it grows past its limit.
/// </summary>
public sealed class DevUserCache
{
    private const int Limit = 10_000;
    private readonly ConcurrentDictionary<string, UserRef> _users = new(StringComparer.Ordinal);

    public async Task<UserRef> ResolveAsync(EmailAddress email, IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        if (_users.TryGetValue(email.Value, out var known)) return known;
        var user = await requestServices.GetRequiredService<UserProvisioner>().EnsureAsync(email, cancellationToken);
        if (_users.Count >= Limit) _users.Clear();
        _users[email.Value] = user;
        return user;
    }
}

/// <summary>The request's white-label client, resolved from its Host header by <see cref="ClientResolutionMiddleware"/>.</summary>
public sealed class RequestClient : ICurrentClient
{
    public ResolvedClient Resolved { get; set; } = ResolvedClient.Platform;
    public ClientId? Id => Resolved.Id;
}

/// <summary>Resolves the white-label client of each request from its Host header (one cached lookup).</summary>
public sealed class ClientResolutionMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, RequestClient client, IClientDirectory clients)
    {
        client.Resolved = await clients.ForHostAsync(http.Request.Host.Host, http.RequestAborted);
        await next(http);
    }
}

/// <summary><see cref="ICurrentUser"/> from the authenticated principal of the current request.</summary>
public sealed class HttpCurrentUser(IHttpContextAccessor http, ServerSettings settings) : ICurrentUser
{
    private ClaimsPrincipal Principal => http.HttpContext?.User is { Identity.IsAuthenticated: true } user
        ? user
        : throw new InvalidOperationException("No authenticated user on this request.");

    public UserId Id => new(Guid.Parse(Principal.FindFirstValue(ClaimTypes.NameIdentifier)!));
    public string Email => Principal.FindFirstValue(ClaimTypes.Email)!;
    public bool IsPlatformAdmin => settings.IsPlatformAdmin(Email) && OrganizationLimit is null;   // an organization-limited token is no admin's
    public OrganizationId? OrganizationLimit => BearerTokens.OrganizationOf(Principal);
}
