using System.Net;
using CleanScheduler.WebApi.Errors;

namespace CleanScheduler.WebApi.Auth;

/// <summary>
/// DEV_MODE signs everyone in without a password, so a DEV_MODE server answers only this machine: a request whose
/// connection does not come from a loopback address (127.0.0.0/8, ::1) gets 403 <c>dev_mode.local_only</c>. The
/// address is the connection's own peer; X-Forwarded-For and friends are never read (the server does not use the
/// forwarded-headers middleware), so a proxy or a forged header cannot make a remote caller look local. The start-up
/// check on SERVER_ADDR keeps the server from listening anywhere else in the first place; this is the second lock.
/// </summary>
public sealed class LocalOnlyMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http) =>
        IsLoopback(http.Connection.RemoteIpAddress)
            ? next(http)
            : Problems.WriteAsync(http, Problems.Coded(StatusCodes.Status403Forbidden, "Local requests only", "dev_mode.local_only",
                "This server runs with DEV_MODE=true and answers requests from this machine only."));

    /// <summary>Loopback, also as an IPv4-mapped IPv6 address (::ffff:127.0.0.1); an unknown peer is not.</summary>
    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
