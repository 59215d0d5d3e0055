// The CleanScheduler operator: `CleanScheduler.Operator [flags]` runs the controllers (see OperatorSettings for the
// flags and environment variables); `CleanScheduler.Operator render CR.yaml [--template FILE] [--domain D]` prints
// the manifests a UserDeployment renders to, without a cluster.
using System.Runtime.InteropServices;
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

using var loggers = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(LogLevel.Information)
    .AddFilter("System.Net.Http", LogLevel.Warning)
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));
var logger = loggers.CreateLogger("CleanScheduler.Operator");
using var client = new KubernetesApiClient(configuration, "cleanscheduler-operator");
var metrics = new OperatorMetrics();
var runtime = new OperatorRuntime(client, client.Api, settings, metrics, loggers);

// SIGTERM (the kubelet) and Ctrl+C stop the controllers, which hand the Lease back, and then the process.
using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context) { context.Cancel = true; stopping.Cancel(); }
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

using var probes = new ProbeServer(settings.HealthProbeUrl, settings.MetricsUrl, () => runtime.Ready, metrics.Render);
try { probes.Start(); }
catch (System.Net.HttpListenerException e)
{
    Console.Error.WriteLine($"configuration error: cannot listen on {probes.ProbeUrl}{(probes.MetricsUrl is null ? "" : $" and {probes.MetricsUrl}")}: {e.Message}");
    return 1;
}
logger.LogInformation("CleanScheduler operator {Identity}: probes on {Probe}, metrics {Metrics}, API server {Server}",
    settings.Identity, probes.ProbeUrl, probes.MetricsUrl ?? "off", client.Server);
var serving = probes.RunAsync(stopping.Token);

// Work that ends by a fault stops the process (non-zero exit: the kubelet restarts it) instead of leaving probes green over nothing.
var exit = 0;
try { await runtime.RunAsync(stopping.Token); }
catch (Exception e) when (!stopping.IsCancellationRequested)
{
    logger.LogCritical(e, "The controllers stopped on an error");
    exit = 1;
}
stopping.Cancel();
await serving;
logger.LogInformation("Stopped");
return exit;
