using System.Security.Claims;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Users;
using CleanScheduler.WebApi.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// Sign-in with Google or any OpenID Connect provider (OIDC_ISSUER): ASP.NET Core's OpenID Connect handler runs the
/// authorization code flow with PKCE, <c>state</c> (bound to the browser by a cookie named from STATE_COOKIE_NAME) and
/// <c>nonce</c>, and validates the id_token (JWKS signature, issuer, audience, lifetime, nonce). We add: the id_token
/// must be signed and carry a verified e-mail. The result goes to our own server-side session (no ASP.NET auth
/// cookie). Every refusal ends on <c>/signin?error=&lt;code&gt;</c> (see <see cref="Refusals"/>), logged as a warning.
/// </summary>
public static class OidcSignIn
{
    public const string SchemeName = "oidc";
    private const string CodeReceivedKey = "cleanscheduler.oidc-code-received";

    /// <summary>The codes <c>/signin?error=</c> may carry; the sign-in page words each one.</summary>
    public static readonly IReadOnlyList<string> Refusals =
    [
        "state_invalid", "access_denied", "provider_error", "code_rejected", "nonce_invalid", "token_expired", "audience_invalid",
        "issuer_invalid", "signature_invalid", "token_invalid", "email_unverified", "provider_unavailable", "sign_in_failed",
    ];

    public static AuthenticationBuilder AddOidcSignIn(this AuthenticationBuilder builder, ServerSettings settings, byte[] stateKey) =>
        builder.AddOpenIdConnect(SchemeName, options =>
        {
            options.Authority = settings.OidcIssuer.ToString().TrimEnd('/');
            options.RequireHttpsMetadata = settings.OidcIssuer.Scheme == Uri.UriSchemeHttps;   // settings allow http only on loopback
            options.ClientId = settings.GoogleClientId;
            options.ClientSecret = settings.GoogleClientSecret;
            options.CallbackPath = settings.GoogleRedirectUrl!.AbsolutePath;
            options.ResponseType = OpenIdConnectResponseType.Code;
            options.ResponseMode = OpenIdConnectResponseMode.Query;   // a top-level GET: the state cookies can be SameSite=Lax
            options.UsePkce = true;
            options.Scope.Clear();
            foreach (var scope in new[] { "openid", "email" }) options.Scope.Add(scope);
            options.MapInboundClaims = false;
            options.SaveTokens = false;
            options.GetClaimsFromUserInfoEndpoint = false;
            options.DisableTelemetry = true;
            options.DataProtectionProvider = new StateProtector(stateKey, "CleanScheduler.SignIn");
            // With COOKIE_SECURE the two sign-in cookies are __Host- cookies (Secure, Path=/, no Domain): a page of a sibling
            // subdomain (a tenant's app under the same parent domain) cannot plant its own pair for a login CSRF.
            var prefix = settings.CookieSecure && !settings.StateCookieName.StartsWith("__Host-", StringComparison.Ordinal) ? "__Host-" : "";
            foreach (var (cookie, suffix) in new[] { (options.CorrelationCookie, "."), (options.NonceCookie, ".nonce.") })
            {
                cookie.Name = prefix + settings.StateCookieName + suffix;
                if (prefix.Length > 0) cookie.Path = "/";
                cookie.SameSite = SameSiteMode.Lax;
                cookie.SecurePolicy = settings.CookieSecure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                cookie.HttpOnly = true;
            }
            options.Events = new OpenIdConnectEvents
            {
                OnRedirectToIdentityProvider = context =>
                {
                    context.ProtocolMessage.RedirectUri = RedirectUri(context.HttpContext, settings);
                    return Task.CompletedTask;
                },
                OnAuthorizationCodeReceived = context =>
                {
                    context.HttpContext.Items[CodeReceivedKey] = true;   // state and correlation passed
                    return Task.CompletedTask;
                },
                OnTokenValidated = context =>
                {
                    if (context.SecurityToken is not { RawSignature.Length: > 0 } token || token.Header.Alg is null or "none")
                        context.Fail(new SignInRefusedException("signature_invalid", "The id_token is not signed."));
                    else if (context.Principal?.FindFirstValue("email_verified") is not ("true" or "True"))
                        context.Fail(new SignInRefusedException("email_unverified", "The provider has not verified the e-mail address."));
                    else if (!EmailAddress.TryParse(context.Principal.FindFirstValue("email"), out _))
                        context.Fail(new SignInRefusedException("email_unverified", "The id_token carries no usable e-mail address."));
                    return Task.CompletedTask;
                },
                OnTicketReceived = async context =>
                {
                    var email = EmailAddress.From(context.Principal!.FindFirstValue("email")!);
                    var user = await context.HttpContext.RequestServices.GetRequiredService<UserProvisioner>().EnsureAsync(email, context.HttpContext.RequestAborted);
                    await AuthEndpoints.StartSessionAsync(context.HttpContext, user);
                    var returnTo = context.ReturnUri;
                    context.Response.Redirect(AuthEndpoints.IsLocalPath(returnTo) ? returnTo! : "/");
                    context.HandleResponse();
                },
                OnAccessDenied = context =>
                {
                    context.Response.Redirect(Refusal(context.HttpContext, "access_denied", "the user or the provider denied access"));
                    context.HandleResponse();
                    return Task.CompletedTask;
                },
                OnRemoteFailure = context =>
                {
                    var code = Classify(context.Failure!, context.HttpContext.Items.ContainsKey(CodeReceivedKey));
                    context.Response.Redirect(Refusal(context.HttpContext, code, $"{context.Failure!.GetType().Name}: {context.Failure.Message}"));
                    context.HandleResponse();
                    return Task.CompletedTask;
                },
            };
        });

    /// <summary>
    /// Starts the flow, returning to <paramref name="returnTo"/> (a local path) afterwards. The provider's discovery
    /// document is read first, so an unreachable provider ends on the sign-in page, not in a 500.
    /// </summary>
    public static async Task<IResult> ChallengeAsync(HttpContext http, string returnTo)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(SchemeName);
        try
        {
            await options.ConfigurationManager!.GetConfigurationAsync(http.RequestAborted);
        }
        catch (InvalidOperationException e)   // IDX20803: the discovery document or the JWKS could not be obtained
        {
            return Results.Redirect(Refusal(http, "provider_unavailable", e.Message));
        }
        return Results.Challenge(new AuthenticationProperties { RedirectUri = returnTo }, [SchemeName]);
    }

    /// <summary>The platform's hosts use GOOGLE_REDIRECT_URL; a white-label client's host runs its own flow on the same path.</summary>
    private static string RedirectUri(HttpContext http, ServerSettings settings)
    {
        var configured = settings.GoogleRedirectUrl!;
        if (http.RequestServices.GetRequiredService<ICurrentClient>().Id is null) return configured.ToString();
        var host = http.Request.Host;
        return new UriBuilder(configured) { Host = host.Host, Port = host.Port ?? -1 }.Uri.ToString();
    }

    internal static string Classify(Exception failure, bool codeReceived) => failure switch
    {
        SignInRefusedException refused => refused.Code,
        OpenIdConnectProtocolInvalidNonceException => "nonce_invalid",
        SecurityTokenExpiredException => "token_expired",
        SecurityTokenInvalidAudienceException => "audience_invalid",
        SecurityTokenInvalidIssuerException => "issuer_invalid",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature_invalid",
        SecurityTokenException => "token_invalid",
        HttpRequestException or InvalidOperationException { InnerException: HttpRequestException } => "provider_unavailable",
        OpenIdConnectProtocolException when codeReceived => "code_rejected",   // the token endpoint refused the code (replayed, expired)
        OpenIdConnectProtocolException => "provider_error",                   // an error in the authorization response
        _ when !codeReceived => "state_invalid",   // missing or forged state, or no correlation cookie: nothing else fails before the code
        _ => "sign_in_failed",
    };

    /// <summary>Logs the refusal (no token, no secret: the reason is an exception's type and message) and names the sign-in page to show.</summary>
    private static string Refusal(HttpContext http, string code, string reason)
    {
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn).FullName!)
            .LogWarning("Sign-in refused ({Code}): {Reason}", code, reason);
        return $"/signin?error={code}";
    }
}

/// <summary>A sign-in the provider completed but we refuse (an unverified e-mail, an unsigned id_token).</summary>
public sealed class SignInRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
