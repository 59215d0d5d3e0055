using System.Diagnostics;
using System.Security.Claims;
using Serilog;
using Serilog.Events;


namespace CleanScheduler.WebApi.Hosting;

public static class Logging
{
    /// <summary>Structured JSON logs on stdout, one object per line (Serilog; see DESIGN.md §2).</summary>
    public static Serilog.ILogger CreateLogger(string level) => new LoggerConfiguration()
        .MinimumLevel.Is(level switch
        {
            "debug" => LogEventLevel.Debug,
            "warning" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            _ => LogEventLevel.Information,
        })
        .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
        .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
        .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
        .Enrich.FromLogContext()
        .WriteTo.Console(new CompactJsonFormatter())
        .CreateLogger();
}

/// <summary>One log line per request: method, path (never the query string, which may carry tokens), status, duration, user.</summary>
public sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            var status = http.Response.StatusCode;
            logger.Log(status >= 500 ? LogLevel.Error : LogLevel.Information,
                "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms (user {UserId})",
                http.Request.Method, http.Request.Path.Value, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "-");
        }
    }
}
