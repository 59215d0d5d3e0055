using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Errors;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// Cross-site request forgery protection. A request that changes something (POST, PUT, PATCH, DELETE, any method but
/// GET, HEAD, OPTIONS and TRACE) and rides on a credential the browser attaches by itself must come from a page of the
/// platform: its <c>Origin</c> must be BASE_URL's origin, or, on a white-label client's own domain, that domain itself;
/// and <c>Sec-Fetch-Site: cross-site</c> is refused outright. Otherwise: 403 <c>csrf.origin_mismatch</c>.
/// <para>
/// A request with neither header is let through: browsers send <c>Origin</c> with every cross-origin fetch and every
/// form post that could change something, so its absence means a client that is not a browser (curl, scripts, the
/// tests) or an old browser, and those cannot be driven by another site to send our cookie. SameSite=Lax on the
/// session cookie is the second lock for old browsers.
/// </para>
/// <para>
/// Credentials the browser attaches by itself are the session cookie and, in DEV_MODE, the implicit dev@localhost of a
/// request without credentials. A request that names its user in a header (an API token in <c>Authorization: Bearer</c>;
/// X-Dev-User in DEV_MODE) is exempt: a page of another site cannot set such a header without a CORS preflight, which
/// this server never grants, and such a request is judged by that header alone, never by the cookie it may also carry.
/// </para>
/// </summary>
public sealed class SameOriginMiddleware(RequestDelegate next, ServerSettings settings)
{
    public Task InvokeAsync(HttpContext http, RequestClient client)
    {
        var request = http.Request;
        if (IsSafe(request.Method) || !RidesOnAmbientCredentials(request) || ComesFromOwnPage(request, client))
            return next(http);
        return Problems.WriteAsync(http, Problems.Coded(StatusCodes.Status403Forbidden, "Cross-site request refused", "csrf.origin_mismatch",
            "This request changes something and was sent from another site's page; it is accepted only from the platform's own pages."));
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>The exemptions, one line each: a credential in a header is the caller's own doing, not the browser's.</summary>
    private bool RidesOnAmbientCredentials(HttpRequest request)
    {
        if (BearerTokens.IsPresent(request)) return false;
        if (settings.DevMode && request.Headers.ContainsKey(SessionAuthenticationHandler.DevUserHeader)) return false;
        return request.Cookies.ContainsKey(settings.SessionCookieName) || settings.DevMode;
    }

    private bool ComesFromOwnPage(HttpRequest request, RequestClient client)
    {
        if (string.Equals(request.Headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase)) return false;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;   // not a browser, or an old one: see the class summary
        return Uri.TryCreate(origin, UriKind.Absolute, out var url) && url.AbsolutePath == "/"
            && url.Scheme == settings.BaseUrl.Scheme
            && (IsBaseUrl(url) || (client.Id is not null && IsRequestHost(url, request.Host)));
    }

    private bool IsBaseUrl(Uri origin) =>
        string.Equals(origin.Host, settings.BaseUrl.Host, StringComparison.OrdinalIgnoreCase) && origin.Port == settings.BaseUrl.Port;

    /// <summary>The white-label client's own domain: the host this request was sent to, which resolved to that client.</summary>
    private static bool IsRequestHost(Uri origin, HostString host) =>
        string.Equals(origin.Host, host.Host, StringComparison.OrdinalIgnoreCase) && origin.Port == (host.Port ?? (origin.Scheme == "https" ? 443 : 80));
}
