using System.Net;
using CleanScheduler.Application.Common;
using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Errors;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// DEV_MODE signs everyone in without a password, so a DEV_MODE server answers only this machine: a request whose
/// connection does not come from a loopback address (127.0.0.0/8, ::1) gets 403 <c>dev_mode.local_only</c>. The
/// address is the connection's own peer; X-Forwarded-For and friends are never read (the server does not use the
/// forwarded-headers middleware), so a forged header cannot make a remote caller look local. The start-up check on
/// SERVER_ADDR keeps the server from listening anywhere else in the first place; this is the second lock.
/// A third: the request must name this machine in its Host header (localhost, *.localhost, a loopback address,
/// BASE_URL's host, or a white-label client's domain the platform admin registered). A web page on a domain of its
/// own that re-resolves to 127.0.0.1 (DNS rebinding) reaches the port from loopback and is same-origin to the browser,
/// but it names its own domain in Host, and is refused.
/// </summary>
public sealed class LocalOnlyMiddleware(RequestDelegate next, ServerSettings settings, IClientDirectory clients)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (IsLoopback(http.Connection.RemoteIpAddress) && await IsLocalHostNameAsync(http.Request.Host.Host, http.RequestAborted))
        {
            await next(http);
            return;
        }
        await Problems.WriteAsync(http, Problems.Coded(StatusCodes.Status403Forbidden, "Local requests only", "dev_mode.local_only",
            "This server runs with DEV_MODE=true and answers requests from this machine, addressed to this machine, only."));
    }

    private async Task<bool> IsLocalHostNameAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (name is "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal)) return true;
        if (IPAddress.TryParse(name.Trim('[', ']'), out var address)) return IsLoopback(address);
        if (name == settings.BaseUrl.Host.ToLowerInvariant()) return true;
        return name.Length > 0 && (await clients.ForHostAsync(name, cancellationToken)).Id is not null;
    }

    /// <summary>Loopback, also as an IPv4-mapped IPv6 address (::ffff:127.0.0.1); an unknown peer is not.</summary>
    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
