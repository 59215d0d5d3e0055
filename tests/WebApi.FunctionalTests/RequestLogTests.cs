using System.Diagnostics;
using System.Text.Json;
using CleanScheduler.TestSupport;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The request log on the server process's stdout: one JSON line per request, by route template, never the query string.</summary>
public sealed class RequestLogTests
{
    private const string Secret = "sekret-token-4711";
    private const string Template = "/api/orgs/{id:guid}";

    /// <summary>
    /// Starts the server, sends a GET with a token in its query (404) and a GET of /api/me (a use case that succeeds), stops
    /// it with SIGTERM; returns every stdout line.
    /// </summary>
    private static async Task<(string Id, IReadOnlyList<string> Lines)> RequestAndStopAsync(string logLevel)
    {
        var database = await TestPostgres.CloneAsync("requestlog");
        var port = Loopback.FreePort();
        using var server = ServerProcessTests.Start(new Dictionary<string, string>
        {
            ["DATABASE_DSN"] = TestPostgres.ConnectionStringFor(database),
            ["DEV_MODE"] = "true",
            ["SERVER_ADDR"] = $"127.0.0.1:{port}",
            ["LOG_LEVEL"] = logLevel,
        });
        try
        {
            var stdout = server.StandardOutput.ReadToEndAsync();
            _ = server.StandardError.ReadToEndAsync();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await ServerProcessTests.WaitReadyAsync(http, port);
            var id = Guid.NewGuid().ToString();
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/api/orgs/{id}?access_token={Secret}");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
            using var me = await http.GetAsync($"http://127.0.0.1:{port}/api/me");
            Assert.Equal(System.Net.HttpStatusCode.OK, me.StatusCode);

            using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await term.WaitForExitAsync();   // SIGTERM: a graceful stop, which flushes the log
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await server.WaitForExitAsync(timeout.Token);
            return (id, (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await TestPostgres.DropAsync(database);
        }
    }

    private static bool IsRequestLog(JsonElement line) =>
        line.TryGetProperty("SourceContext", out var source) && source.GetString() == "Serilog.AspNetCore.RequestLoggingMiddleware";

    [Fact]
    public async Task A_request_gives_one_json_line_with_method_route_template_status_and_time_and_no_query_or_raw_path()
    {
        var (id, lines) = await RequestAndStopAsync("information");

        var json = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();   // every stdout line is a JSON object
        var request = Assert.Single(json, l => IsRequestLog(l) && l.GetProperty("Route").GetString() == Template);
        Assert.Equal("Information", request.GetProperty("@l").GetString());
        Assert.Equal("GET", request.GetProperty("Method").GetString());
        Assert.Equal(404, request.GetProperty("StatusCode").GetInt32());
        Assert.InRange(request.GetProperty("ElapsedMs").GetDouble(), 0.0, 30_000.0);
        Assert.True(DateTimeOffset.TryParse(request.GetProperty("@t").GetString(), out _));
        Assert.Matches(@"^HTTP GET /api/orgs/\{id:guid\} responded 404 in \d+\.\d ms \(user [^)]+\)$", request.GetProperty("@m").GetString());
        Assert.DoesNotContain(lines, l => l.Contains(Secret, StringComparison.Ordinal) || l.Contains("access_token", StringComparison.Ordinal));
        Assert.True(!request.GetRawText().Contains(id, StringComparison.Ordinal), request.GetRawText());
        Assert.DoesNotContain(json, l => l.TryGetProperty("@l", out var level) && level.GetString() == "Debug");
    }

    [Fact]
    public async Task Log_level_warning_leaves_out_the_request_log()
    {
        var (_, lines) = await RequestAndStopAsync("warning");

        var json = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(json, l => l.GetProperty("@m").GetString() == "Application is shutting down...");   // stdout was read to the end
        Assert.DoesNotContain(json, IsRequestLog);
        Assert.DoesNotContain(json, l => l.GetProperty("@l").GetString() is "Information" or "Debug"
            && !(l.TryGetProperty("SourceContext", out var s) && s.GetString() == "Microsoft.Hosting.Lifetime"));
    }

    [Fact]
    public async Task Log_level_debug_shows_the_use_cases_debug_events()
    {
        var (_, lines) = await RequestAndStopAsync("debug");

        var json = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(json, l => l.GetProperty("@l").GetString() == "Debug" && l.GetProperty("@m").GetString()!.StartsWith("GetMeQuery handled in ", StringComparison.Ordinal));
        Assert.Contains(json, l => IsRequestLog(l) && l.GetProperty("Route").GetString() == "/api/me");
    }
}
