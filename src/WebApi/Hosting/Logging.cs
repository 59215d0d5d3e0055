using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Diagnostics;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Templates;

namespace CleanScheduler.WebApi.Hosting;

public static class Logging
{
    /// <summary>One JSON object per line: <c>@t</c> time (UTC), <c>@l</c> level, <c>@m</c> the rendered message (strings unquoted), <c>@x</c> the exception, then the properties.</summary>
    private const string JsonLine = "{ {@t: UtcDateTime(@t), @l: @l, @m: @m, @x: @x, ..@p} }\n";

    /// <summary>Structured JSON logs on stdout (Serilog; see DESIGN.md §2). Events also reach the providers in <paramref name="providers"/>.</summary>
    public static Serilog.ILogger CreateLogger(string level, LoggerProviderCollection providers) => new LoggerConfiguration()
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
        .MinimumLevel.Override("Microsoft.AspNetCore.Authentication.OpenIdConnect", LogEventLevel.Fatal)   // its refusals are errors with stack traces; OidcSignIn logs each once, as a warning
        .Enrich.FromLogContext()
        .Enrich.With<RequestLogWithoutRawPath>()
        .WriteTo.Console(new ExpressionTemplate(JsonLine, CultureInfo.InvariantCulture))
        .WriteTo.Providers(providers)
        .CreateLogger();

    /// <summary>
    /// One log line per request: method, route template, status, duration, user. Never the raw path or the query string
    /// (either may carry identifiers or tokens), nor headers or cookies.
    /// </summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app) => app.UseSerilogRequestLogging(options =>
    {
        options.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();   // this host's logger, not the static one
        options.MessageTemplate = "HTTP {Method} {Route} responded {StatusCode} in {ElapsedMs:0.0} ms (user {UserId})";
        options.GetMessageTemplateProperties = (http, _, elapsedMs, status) =>
        [
            new LogEventProperty("Method", new ScalarValue(http.Request.Method)),
            new LogEventProperty("Route", new ScalarValue(RouteOf(http))),
            new LogEventProperty("StatusCode", new ScalarValue(status)),
            new LogEventProperty("ElapsedMs", new ScalarValue(elapsedMs)),
        ];
        options.EnrichDiagnosticContext = (diagnostics, http) =>
            diagnostics.Set("UserId", http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "-");
    });

    /// <summary>ASP.NET Core's request scope adds the raw path to every event of a request; the request log has the route instead.</summary>
    private sealed class RequestLogWithoutRawPath : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            if (logEvent.Properties.ContainsKey("Route")) logEvent.RemovePropertyIfPresent("RequestPath");
        }
    }

    /// <summary>The matched endpoint's route template; after an exception the handler has cleared it, and its feature keeps it.</summary>
    private static string RouteOf(HttpContext http) =>
        (http.GetEndpoint() ?? http.Features.Get<IExceptionHandlerFeature>()?.Endpoint) is RouteEndpoint { RoutePattern.RawText: { } template }
            ? template
            : "(no route)";
}
