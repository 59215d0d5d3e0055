using System.Security.Claims;
using CleanScheduler.Application.Features.Tokens;
using CleanScheduler.Domain.Common;
using CleanScheduler.WebApi.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// API tokens on the wire: <c>Authorization: Bearer cs_...</c>. A request with a bearer header is judged by the token
/// alone (no cookie, no DEV_MODE user): an unknown, revoked, expired or malformed token answers 401
/// <c>auth.invalid_token</c>. A <c>read</c> token may only read (403 <c>auth.insufficient_scope</c>), no token may manage
/// tokens or sessions (403 <c>auth.session_required</c>), and an organization-limited token reaches that organization
/// only (<see cref="Application.Common.ICurrentUser.OrganizationLimit"/>).
/// </summary>
public static class BearerTokens
{
    public const string AuthenticationType = "Bearer";
    public const string ScopeClaim = "cs:token_scope";
    public const string OrganizationClaim = "cs:token_organization";
    public const string SessionPolicy = "session";

    /// <summary>True when the request carries a bearer credential, well-formed or not.</summary>
    public static bool IsPresent(HttpRequest request) => Read(request) is not null;

    /// <summary>The credential after <c>Bearer </c> (the scheme name in any case), or null without one.</summary>
    public static string? Read(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count == 0) return null;
        var value = header.ToString();   // several headers join with commas, which no token contains: it fails the shape check
        return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || value.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            ? value[Math.Min(value.Length, 7)..].Trim()
            : null;
    }

    public static bool IsToken(ClaimsPrincipal user) => user.Identity?.AuthenticationType == AuthenticationType;

    public static OrganizationId? OrganizationOf(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(OrganizationClaim), out var id) ? new OrganizationId(id) : null;

    /// <summary>
    /// Authenticates the request by its bearer token, valid only on the white-label client it was made on; records the
    /// use at most once a minute.
    /// </summary>
    public static async Task<AuthenticateResult> AuthenticateAsync(
        string credential, string scheme, IApiTokenStore tokens, ClientId? client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!ApiTokenSecrets.LooksValid(credential)) return AuthenticateResult.Fail("The bearer token is malformed.");
        if (await tokens.FindAsync(ApiTokenSecrets.Hash(credential), now, cancellationToken) is not { } match || match.Token.Client != client)
            return AuthenticateResult.Fail("The bearer token is unknown, revoked or expired.");

        var token = match.Token;
        if (token.LastUsedAt is not { } last || now - last >= ApiTokenSecrets.LastUsedPrecision)
            await tokens.TouchAsync(token.Id, now, cancellationToken);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, token.User.Value.ToString()),
            new(ClaimTypes.Email, match.Email),
            new(ScopeClaim, token.Scope.ToCode()),
        ];
        if (token.Organization is { } org) claims.Add(new Claim(OrganizationClaim, org.Value.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, AuthenticationType)), scheme));
    }

    /// <summary>The 401 for a bearer request whose token was refused, with the RFC 6750 challenge.</summary>
    public static Task ChallengeInvalidAsync(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Problems.WriteAsync(http, Problems.Coded(StatusCodes.Status401Unauthorized, "Invalid API token", "auth.invalid_token",
            "The bearer token is unknown, revoked, expired or malformed."));
    }

    /// <summary>
    /// The default policy (every <c>RequireAuthorization()</c>) needs a user and lets a read token only read; the
    /// <see cref="SessionPolicy"/> needs a signed-in browser session. Refusals are written by <see cref="CodedRefusals"/>.
    /// </summary>
    public static IServiceCollection AddBearerTokenAuthorization(this IServiceCollection services)
    {
        services.AddAuthorization(options =>
        {
            options.DefaultPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new ScopeAllowsMethod()).Build();
            options.AddPolicy(SessionPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(new SignedInSession()));
        });
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, CodedRefusals>();
        return services;
    }

    /// <summary>Only a signed-in browser session may use these endpoints: a token must not mint tokens or manage sessions.</summary>
    public static TBuilder RequireSession<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(SessionPolicy);

    /// <summary>A read token may use GET and HEAD (and OPTIONS) only.</summary>
    private sealed class ScopeAllowsMethod : AuthorizationHandler<ScopeAllowsMethod>, IAuthorizationRequirement
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeAllowsMethod requirement)
        {
            var method = (context.Resource as HttpContext)?.Request.Method ?? HttpMethods.Post;
            var readOnly = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
            if (!IsToken(context.User) || context.User.FindFirstValue(ScopeClaim) == "write" || readOnly) context.Succeed(requirement);
            else context.Fail(new AuthorizationFailureReason(this, "auth.insufficient_scope"));
            return Task.CompletedTask;
        }
    }

    private sealed class SignedInSession : AuthorizationHandler<SignedInSession>, IAuthorizationRequirement
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SignedInSession requirement)
        {
            if (context.User.Identity?.IsAuthenticated == true && !IsToken(context.User)) context.Succeed(requirement);
            else context.Fail(new AuthorizationFailureReason(this, "auth.session_required"));
            return Task.CompletedTask;
        }
    }

    /// <summary>Writes the coded 403 of a token refused by <see cref="ScopeAllowsMethod"/> or <see cref="SignedInSession"/>; anything else as usual.</summary>
    private sealed class CodedRefusals : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            var reason = result.Forbidden ? result.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message : null;
            switch (reason)
            {
                case "auth.insufficient_scope":
                    http.Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\", scope=\"write\"";
                    return Problems.WriteAsync(http, Problems.Coded(StatusCodes.Status403Forbidden, "Insufficient token scope", reason,
                        "This API token has the read scope; changing anything needs a token with the write scope."));
                case "auth.session_required":
                    return Problems.WriteAsync(http, Problems.Coded(StatusCodes.Status403Forbidden, "Browser session required", reason,
                        "API tokens and sessions are managed from a signed-in browser session, not with an API token."));
                default:
                    return _default.HandleAsync(next, http, policy, result);
            }
        }
    }
}
