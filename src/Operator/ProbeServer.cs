using System.Net;
using System.Text;

namespace CleanScheduler.Operator;

/// <summary>
/// The operator's two small HTTP endpoints, on <see cref="HttpListener"/> rather than a web host (which weighed a fifth of
/// the executable and of its resident memory): /healthz and /readyz on the probe address, /metrics on the metrics
/// address only. Plain text answers; anything else is 404, any method but GET and HEAD 405.
/// </summary>
public sealed class ProbeServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly int _metricsPort;
    private readonly Func<bool> _ready;
    private readonly Func<string> _metrics;

    /// <param name="probeUrl">From <see cref="OperatorSettings.ListenUrl"/>: <c>http://+:8081</c> or <c>http://127.0.0.1:8081</c>.</param>
    public ProbeServer(string probeUrl, string? metricsUrl, Func<bool> ready, Func<string> metrics)
    {
        (_ready, _metrics) = (ready, metrics);
        ProbeUrl = WithPort(probeUrl);
        MetricsUrl = metricsUrl is null ? null : WithPort(metricsUrl);
        _listener.Prefixes.Add(ProbeUrl + "/");
        if (MetricsUrl is not null) _listener.Prefixes.Add(MetricsUrl + "/");
        _metricsPort = MetricsUrl is null ? -1 : PortOf(MetricsUrl);
    }

    /// <summary>Where the probes answer (port 0 in the setting: a free port chosen at start).</summary>
    public string ProbeUrl { get; }

    public string? MetricsUrl { get; }

    private static int PortOf(string url) => new Uri(url.Replace("+", "localhost", StringComparison.Ordinal)).Port;

    /// <summary>Port 0 means "any free port" (as a web host takes it); <see cref="HttpListener"/> needs a number.</summary>
    private static string WithPort(string url)
    {
        if (PortOf(url) != 0) return url;
        var host = url["http://".Length..url.LastIndexOf(':')];
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : IPAddress.Any, 0);
        socket.Start();
        return $"http://{host}:{((IPEndPoint)socket.LocalEndpoint).Port}";
    }

    /// <summary>Binds the addresses (throws <see cref="HttpListenerException"/> when one is taken).</summary>
    public void Start() => _listener.Start();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = cancellationToken.Register(() => _listener.Stop());
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException && cancellationToken.IsCancellationRequested) { return; }
            _ = Task.Run(() => Answer(context), CancellationToken.None);
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var (request, response) = (context.Request, context.Response);
        try
        {
            var (status, text) = request.HttpMethod is not ("GET" or "HEAD") ? (405, "method not allowed")
                : (request.Url?.AbsolutePath, request.LocalEndPoint.Port == _metricsPort) switch
                {
                    ("/metrics", true) => (200, _metrics()),
                    ("/healthz", false) => (200, "ok"),
                    ("/readyz", false) => _ready() ? (200, "ok") : (503, "waiting for the Kubernetes API server"),
                    _ => (404, "not found"),
                };
            var body = Encoding.UTF8.GetBytes(text);
            response.StatusCode = status;
            response.ContentType = request.Url?.AbsolutePath == "/metrics" && status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8";
            response.ContentLength64 = body.Length;
            if (request.HttpMethod != "HEAD") response.OutputStream.Write(body);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }   // the client went away
        finally
        {
            try { response.Close(); }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
        }
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();
}
