// The CleanScheduler operator: `CleanScheduler.Operator [flags]` runs the controllers (see OperatorSettings for the
// flags and environment variables); `CleanScheduler.Operator render CR.yaml [--template FILE] [--domain D]` prints
// the manifests a UserDeployment renders to, without a cluster.
using CleanScheduler.Kubernetes;
using CleanScheduler.Operator;
using CleanScheduler.Operator.Metrics;

if (args.Length > 0 && args[0] == "render") return RenderCommand.Run(args[1..], Console.Out, Console.Error);

var (settings, errors) = OperatorSettings.Load(args, Environment.GetEnvironmentVariable);
if (settings is null)
{
    foreach (var error in errors) Console.Error.WriteLine($"configuration error: {error}");
    return 1;
}
if (!KubernetesConfiguration.TryDiscover(null, out var configuration, out var configurationError))
{
    Console.Error.WriteLine($"configuration error: {configurationError}");
    return 1;
}

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls(settings.MetricsUrl is null ? [settings.HealthProbeUrl] : [settings.HealthProbeUrl, settings.MetricsUrl]);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
using var client = new KubernetesApiClient(configuration, "cleanscheduler-operator");
var metrics = new OperatorMetrics();
var app = builder.Build();
var runtime = new OperatorRuntime(client, client.Api, settings, metrics, app.Services.GetRequiredService<ILoggerFactory>());
var metricsPort = settings.MetricsUrl is null ? -1 : new Uri(settings.MetricsUrl.Replace("+", "localhost")).Port;

app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/readyz", () => runtime.Ready ? Results.Text("ok") : Results.Text("waiting for the Kubernetes API server", statusCode: 503));
app.MapGet("/metrics", async (HttpContext context) =>
{
    if (context.Connection.LocalPort != metricsPort)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return;
    }
    context.Response.ContentType = Prometheus.PrometheusConstants.TextContentTypeWithVersionAndEncoding;
    await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
});

var stopping = app.Lifetime.ApplicationStopping;
var work = Task.Run(() => runtime.RunAsync(stopping));
// Work that ends by a fault stops the process (non-zero exit: the kubelet restarts it) instead of leaving probes green over nothing.
_ = work.ContinueWith(_ => app.Lifetime.StopApplication(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
app.Logger.LogInformation("CleanScheduler operator {Identity}: probes on {Probe}, metrics {Metrics}, API server {Server}",
    settings.Identity, settings.HealthProbeUrl, settings.MetricsUrl ?? "off", client.Server);
await app.RunAsync();
await work;
return 0;
