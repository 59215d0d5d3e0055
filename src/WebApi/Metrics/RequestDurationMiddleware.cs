using System.Diagnostics;

namespace CleanScheduler.WebApi.Metrics;

/// <summary>
/// Observes each request's duration in <see cref="ServerMetrics"/> under its route template, which routing (at the start
/// of the pipeline) has chosen before this runs; a request no route matches is "unmatched", so no URL a client makes up
/// becomes a label value. Server-Sent Event streams last as long as the client stays and are left out.
/// </summary>
public sealed class RequestDurationMiddleware(RequestDelegate next, ServerMetrics metrics)
{
    public const string Unmatched = "unmatched";

    public async Task InvokeAsync(HttpContext http)
    {
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? Unmatched;
        var started = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;   // what the client gets when an exception escapes
        try
        {
            await next(http);
            status = http.Response.StatusCode;
        }
        finally
        {
            if (http.Response.ContentType?.StartsWith("text/event-stream", StringComparison.Ordinal) != true)
                metrics.ObserveRequest(route, http.Request.Method, status, Stopwatch.GetElapsedTime(started));
        }
    }
}
