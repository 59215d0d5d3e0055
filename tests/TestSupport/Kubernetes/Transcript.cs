using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>One recorded request and response of a real kube-apiserver (tests/TestSupport/Kubernetes/Transcripts).</summary>
public sealed record Exchange(
    string File, int Index, string Title, string Method, string Target, IReadOnlyDictionary<string, string> RequestHeaders, string RequestBody,
    int Status, IReadOnlyList<(string Name, string Value)> ResponseHeaders, string ResponseBody)
{
    public string? ResponseHeader(string name) => ResponseHeaders.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public JsonObject? ResponseJson => ResponseHeader("Content-Type") == "application/json" && ResponseBody.TrimStart().StartsWith('{')
        && !ResponseBody.Contains('\n' + "{", StringComparison.Ordinal) ? JsonNode.Parse(ResponseBody) as JsonObject : null;

    /// <summary>The body as the server sent it: compact JSON and a newline (or the text as recorded).</summary>
    public string WireBody => ResponseHeader("Content-Type") == "application/json" && ResponseJson is { } json ? json.ToJsonString() + "\n" : ResponseBody;

    /// <summary>"METHOD target" with the query in a canonical form (see <see cref="Transcript.Canonical"/>).</summary>
    public string RequestLine => $"{Method} {Transcript.Canonical(Target)}";

    public override string ToString() => $"{File} #{Index} {Method} {Target} -> {Status}";
}

public static class Transcript
{
    /// <summary>
    /// The target with its query parameters unescaped, sorted and booleans spelled <c>true</c>: the same request whichever
    /// client wrote it (the API server reads <c>watch=1</c> and <c>watch=true</c> alike, and parameters in any order).
    /// </summary>
    public static string Canonical(string target)
    {
        var q = target.IndexOf('?');
        if (q < 0) return target;
        var parameters = target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(Uri.UnescapeDataString)
            .Select(p => p.Split('=', 2) is var kv && kv.Length == 2 && kv[0] is "watch" or "allowWatchBookmarks" or "force" or "follow" && kv[1] == "1" ? kv[0] + "=true" : p)
            .Order(StringComparer.Ordinal);
        return target[..q] + "?" + string.Join('&', parameters);
    }

    public static IReadOnlyList<Exchange> Load(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Transcripts, file));
        var exchanges = new List<Exchange>();
        var i = 0;
        while (i < lines.Length)
        {
            if (!lines[i].StartsWith("=== ", StringComparison.Ordinal)) { i++; continue; }
            var title = lines[i].Trim('=', ' ');
            var index = exchanges.Count;
            i++;
            while (i < lines.Length && lines[i] != "--- request ---") i++;
            i++;
            var requestLine = lines[i++].Split(' ');
            var requestHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (i < lines.Length && lines[i].Length > 0) { var h = lines[i++]; requestHeaders[h[..h.IndexOf(':')]] = h[(h.IndexOf(':') + 1)..].Trim(); }
            i++;
            var body = new StringBuilder();
            while (i < lines.Length && lines[i] != "--- response ---") body.AppendLine(lines[i++]);
            i++;
            var status = int.Parse(lines[i++].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var responseHeaders = new List<(string, string)>();
            while (i < lines.Length && lines[i].Length > 0) { var h = lines[i++]; responseHeaders.Add((h[..h.IndexOf(':')], h[(h.IndexOf(':') + 1)..].Trim())); }
            i++;
            var response = new StringBuilder();
            while (i < lines.Length && !lines[i].StartsWith("=== ", StringComparison.Ordinal) && !lines[i].StartsWith("--- timing", StringComparison.Ordinal))
                response.Append(lines[i++]).Append('\n');
            exchanges.Add(new Exchange(file, index, title, requestLine[0], requestLine[1], requestHeaders, body.ToString().Trim(), status, responseHeaders, response.ToString().TrimEnd('\n') + (response.Length > 0 ? "\n" : "")));
        }
        return exchanges;
    }
}

/// <summary>
/// Serves recorded responses, in order, to a client under test, and records what the client sent so a test can
/// compare it with the recorded request line. A request that does not match the next recording gets 599.
/// </summary>
public sealed class TranscriptReplayServer : IAsyncDisposable
{
    private readonly Queue<Exchange> _script = new();
    private WebApplication _app = null!;

    public Uri Address { get; private set; } = null!;
    /// <summary>The request lines received, in canonical form (<see cref="Exchange.RequestLine"/>).</summary>
    public List<string> Received { get; } = [];
    public List<string> ContentTypes { get; } = [];

    public static async Task<TranscriptReplayServer> StartAsync(params Exchange[] script)
    {
        var server = new TranscriptReplayServer();
        foreach (var exchange in script) server._script.Enqueue(exchange);
        (server._app, server.Address) = await Loopback.ServeAsync(server.ServeAsync);
        return server;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var target = $"{context.Request.Method} {Transcript.Canonical($"{context.Request.Path}{context.Request.QueryString}")}";
        lock (Received) { Received.Add(target); ContentTypes.Add(context.Request.ContentType ?? ""); }
        if (!_script.TryDequeue(out var exchange) || exchange.RequestLine != target)
        {
            context.Response.StatusCode = 599;
            await context.Response.WriteAsync($"unexpected request {target}; expected {exchange}");
            return;
        }
        context.Response.StatusCode = exchange.Status;
        foreach (var (name, value) in exchange.ResponseHeaders)
            if (name is "Content-Type" or "Warning" or "Retry-After") context.Response.Headers.Append(name, value);
        var bytes = Encoding.UTF8.GetBytes(exchange.WireBody);
        if (bytes.Length > 0) await context.Response.Body.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
