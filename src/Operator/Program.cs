// The CleanScheduler operator host. In this version it starts, reports health and waits: the controllers for
// UserDeployment, AgentTask and Workflow arrive with the Kubernetes issue (see docs/operator.md).
// The probe address comes from --health-probe-bind-address or HEALTH_PROBE_BIND_ADDRESS (default ":8081").

var address = ProbeAddress(args) ?? Environment.GetEnvironmentVariable("HEALTH_PROBE_BIND_ADDRESS") ?? ":8081";
if (!TryListenUrl(address, out var url))
{
    Console.Error.WriteLine($"configuration error: HEALTH_PROBE_BIND_ADDRESS must be [host]:port, such as :8081 or 127.0.0.1:8081, not '{address}'");
    return 1;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls(url);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
app.MapGet("/readyz", () => Results.Ok(new { status = "ready" }));
app.Logger.LogInformation("CleanScheduler operator probes on {Url}; no controllers are active in this version", url);
await app.RunAsync();
return 0;

static string? ProbeAddress(string[] args)
{
    for (var i = 0; i < args.Length; i++)
    {
        if (args[i].StartsWith("--health-probe-bind-address=", StringComparison.Ordinal)) return args[i].Split('=', 2)[1];
        if (args[i] == "--health-probe-bind-address" && i + 1 < args.Length) return args[i + 1];
    }
    return null;
}

static bool TryListenUrl(string address, out string url)
{
    url = "";
    var colon = address.LastIndexOf(':');
    if (colon < 0 || !int.TryParse(address[(colon + 1)..], out var port) || port is <= 0 or > 65535) return false;
    var host = address[..colon].Trim('[', ']');
    url = host.Length == 0 ? $"http://+:{port}" : host.Contains(':') ? $"http://[{host}]:{port}" : $"http://{host}:{port}";
    return true;
}
