// Operator benchmark: N UserDeployments against the test API server (in this process), the operator binary in its
// own process. Reports time to converge (all Running), API requests per reconcile on the first pass and on a resync,
// and the operator's peak RSS; the baseline is the same objects applied straight to the same server by one client.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var operatorDll = args.Length > 1 ? args[1] : RepoPaths.Of("src", "Operator", "bin", "Release", "net10.0", "CleanScheduler.Operator.dll");
const int Users = 50;
// BENCH_LATENCY_MS=10 or 5-20: every request but watches waits that long (uniform) before the test API server serves it.
var latency = Environment.GetEnvironmentVariable("BENCH_LATENCY_MS") is { Length: > 0 } ms
    ? ms.Split('-') is [var min, var max] ? (double.Parse(min, CultureInfo.InvariantCulture), double.Parse(max, CultureInfo.InvariantCulture)) : (double.Parse(ms, CultureInfo.InvariantCulture), double.Parse(ms, CultureInfo.InvariantCulture))
    : ((double, double)?)null;
// BENCH_WORKERS: the operator's WORKERS, and as many writers for the baseline (default 2, the operator's default).
var workers = int.Parse(Environment.GetEnvironmentVariable("BENCH_WORKERS") is { Length: > 0 } w ? w : "2", CultureInfo.InvariantCulture);

await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
api.AutoReadyDeployments = true;
using var client = KubeClient.For(api.Address, "bench");
for (var u = 0; u < Users; u++)
    await client.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = $"sandbox-user{u}" } });
await client.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "bench-system" } });

JsonObject Resource(int i) => new()
{
    ["apiVersion"] = CustomResources.ApiVersion, ["kind"] = "UserDeployment",
    ["metadata"] = new JsonObject { ["name"] = $"app{i}", ["namespace"] = $"sandbox-user{i % Users}" },
    ["spec"] = new JsonObject
    {
        ["desiredState"] = "running", ["owner"] = new JsonObject { ["user"] = $"user{i % Users}" }, ["tier"] = "business",
        ["services"] = new JsonArray(
            new JsonObject { ["name"] = "web", ["image"] = "nginx:1.27", ["replicas"] = 1, ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["public"] = true }) },
            new JsonObject { ["name"] = "db", ["image"] = "postgres:16", ["replicas"] = 1, ["ports"] = new JsonArray(new JsonObject { ["name"] = "pg", ["port"] = 5432 }) }),
    },
};

// Baseline: the objects the operator renders for each resource, applied directly (as many concurrent writers as its workers).
var baselineObjects = Enumerable.Range(0, count).SelectMany(i =>
{
    var r = Resource(i);
    r["metadata"]!["uid"] = Guid.NewGuid().ToString();
    var input = UserDeploymentInput.From(r, UserDeploymentInput.Spec(CustomResources.From<UserDeploymentSpec>(r["spec"]), null), "apps.bench");
    return ManifestRenderer.Render(input with { Owner = null, Name = "base" + input.Name, Namespace = "bench-system" }, new RenderOptions())
        .Where(o => (string?)o["kind"] is not ("Namespace" or "ResourceQuota" or "LimitRange"));
}).ToList();
if (latency is var (low, high)) api.RequestLatency = (TimeSpan.FromMilliseconds(low), TimeSpan.FromMilliseconds(high));
var baselineClock = Stopwatch.StartNew();
var next = -1;
await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
{
    int k;
    while ((k = Interlocked.Increment(ref next)) < baselineObjects.Count)
    {
        var o = baselineObjects[k];
        await client.ApplyAsync(KubeResource.For((string)o["apiVersion"]!, (string)o["kind"]!), o, "bench", force: true);
    }
})));
var baseline = baselineClock.Elapsed;

// The operator, as a separate process pointed at the test API server by a kubeconfig.
var kubeconfig = Path.GetTempFileName();
await File.WriteAllTextAsync(kubeconfig, $"""
    apiVersion: v1
    kind: Config
    current-context: bench
    clusters: [{"{"} name: bench, cluster: {"{"} server: "{api.Address.ToString().TrimEnd('/')}" {"}"} {"}"}]
    users: [{"{"} name: bench, user: {"{"} token: bench {"}"} {"}"}]
    contexts: [{"{"} name: bench, context: {"{"} cluster: bench, user: bench {"}"} {"}"}]
    """);
var metricsPort = FreePort();
// A .dll runs on the dotnet host; anything else is a native executable (the image's Native AOT build).
string[] operatorArgs = ["--health-probe-bind-address", "127.0.0.1:0", "--metrics-bind-address", $"127.0.0.1:{metricsPort}", "--leader-elect", "false", "--resync-period", "30s", "--deployment-domain", "apps.bench"];
var start = operatorDll.EndsWith(".dll", StringComparison.Ordinal)
    ? new ProcessStartInfo("dotnet", [operatorDll, .. operatorArgs])
    : new ProcessStartInfo(operatorDll, operatorArgs);
start.RedirectStandardOutput = true;
start.RedirectStandardError = true;
start.Environment["KUBECONFIG"] = kubeconfig;
start.Environment["KUBERNETES_SERVICE_HOST"] = "";
start.Environment["DOTNET_gcServer"] = "0";
start.Environment["WORKERS"] = workers.ToString(CultureInfo.InvariantCulture);
// Runtime settings for the operator alone (not this process, which hosts the test API server): OPERATOR_DOTNET_X=v -> DOTNET_X=v.
foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
    if (variable.Key is string key && key.StartsWith("OPERATOR_DOTNET_", StringComparison.Ordinal))
        start.Environment[key["OPERATOR_".Length..]] = (string?)variable.Value;
var latencySetting = api.RequestLatency;
api.RequestLatency = null;   // the resources are there before the operator starts
for (var i = 0; i < count; i++) await client.CreateAsync(KubeResource.UserDeployments, Resource(i));
api.RequestLatency = latencySetting;
api.ClearRequests();

var clock = Stopwatch.StartNew();
using var op = Process.Start(start)!;
op.OutputDataReceived += (_, _) => { };
op.ErrorDataReceived += (_, e) => { if (e.Data is { } line && line.Contains("configuration error", StringComparison.Ordinal)) Console.Error.WriteLine(line); };
op.BeginOutputReadLine();
op.BeginErrorReadLine();
// The RSS high-water mark (BENCH_TRACE=1: printed as it rises) and the GC's committed memory as seen on /metrics.
long peakKb = 0;
double peakCommitted = 0;
var inFlight = new List<int>();   // requests the API server was serving at each sample, until converged
using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
void Sample()
{
    inFlight.Add(api.RequestsInFlight);
    try
    {
        var status = File.ReadAllLines($"/proc/{op.Id}/status");
        var hwm = long.Parse(status.First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        if (hwm > peakKb && Environment.GetEnvironmentVariable("BENCH_TRACE") is not null)
            Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: RSS high-water {hwm / 1024} MB, {Running()} Running, {string.Join(", ", status.Where(l => l.StartsWith("Threads:", StringComparison.Ordinal) || l.StartsWith("RssAnon:", StringComparison.Ordinal) || l.StartsWith("RssFile:", StringComparison.Ordinal)).Select(l => string.Join(" ", l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))))}");
        peakKb = Math.Max(peakKb, hwm);
    }
    catch (IOException) { }
    try
    {
        var text = probe.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics").Result;
        var committed = double.Parse(text.Split('\n').First(l => l.StartsWith("dotnet_gc_committed_bytes ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture) / (1024 * 1024);
        peakCommitted = Math.Max(peakCommitted, committed);
    }
    catch (AggregateException) { }   // not listening yet
}
int Running() => Enumerable.Range(0, Users).Sum(u => api.List(CustomResources.ApiVersion, "userdeployments", $"sandbox-user{u}").Count(r => (string?)r["status"]?["phase"] == "Running"));
while (Running() < count)
{
    if (op.HasExited) { Console.Error.WriteLine("operator exited"); return 1; }
    if (clock.Elapsed > TimeSpan.FromMinutes(10)) { Console.Error.WriteLine($"not converged: {Running()}/{count} Running"); op.Kill(); return 1; }
    Sample();
    await Task.Delay(200);
}
var converged = clock.Elapsed;
var busy = inFlight.Count > 0 ? inFlight.Average() : 0;
var firstPass = api.Requests.ToList();
var metricsAtConvergence = (await probe.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics")).Split('\n');
var reconcilesAtConvergence = metricsAtConvergence
    .FirstOrDefault(l => l.StartsWith("cleanscheduler_reconcile_total{controller=\"userdeployment\"}", StringComparison.Ordinal))?.Split(' ')[1];
var allocatedAtConvergence = double.Parse(metricsAtConvergence.First(l => l.StartsWith("dotnet_gc_allocated_bytes_total ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture) / (1024 * 1024);
api.ClearRequests();

// A resync (every 30 s) re-queues every resource: with nothing changed, it must send nothing.
await Task.Delay(TimeSpan.FromSeconds(36));
var resync = api.Requests.Where(r => !r.Contains("watch=", StringComparison.Ordinal)).ToList();
using var http = new HttpClient();
var metrics = (await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics")).Split('\n');
Sample();   // the high-water mark, after the metrics request too
double Metric(string name) => double.Parse(metrics.First(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture) / (1024 * 1024);
op.Kill();
await op.WaitForExitAsync();

var writes = firstPass.Count(r => !r.StartsWith("GET ", StringComparison.Ordinal));
var owned = baselineObjects.Count / (double)count;
Console.WriteLine($"operator benchmark: {count} UserDeployments in {Users} namespaces, 2 services each ({owned:0} owned objects + namespace-wide ones per resource), {workers} workers, "
    + (latency is var (lo, hi) ? $"request latency {lo}-{hi} ms" : "no added request latency"));
Console.WriteLine($"  baseline: {baselineObjects.Count} objects applied directly: {baseline.TotalSeconds:0.00} s ({baselineObjects.Count / baseline.TotalSeconds:0} applies/s)");
Console.WriteLine($"  operator: converged (all Running) in {converged.TotalSeconds:0.00} s, including process start");
Console.WriteLine($"  first pass: {firstPass.Count} requests ({writes} writes), {firstPass.Count / (double)count:0.0} per resource; owned objects per resource: {owned:0}");
Console.WriteLine($"  API server busy until converged: {busy:0.0} requests in flight on average (sampled every 200 ms; {workers} workers)");
Console.WriteLine($"  first pass by request: {string.Join(", ", firstPass.GroupBy(Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))}");
Console.WriteLine($"  resync with nothing changed: {resync.Count} requests");
Console.WriteLine($"  reconciles until converged: {reconcilesAtConvergence}; after the resync: {string.Join(", ", metrics.Where(l => l.StartsWith("cleanscheduler_reconcile_total{controller=\"userdeployment\"}", StringComparison.Ordinal) || l.StartsWith("cleanscheduler_reconcile_errors_total{controller=\"userdeployment\"}", StringComparison.Ordinal)))}");
Console.WriteLine($"  allocated by the operator: {allocatedAtConvergence:0} MB until converged ({allocatedAtConvergence * 1024 / count:0} KB per resource), {Metric("dotnet_gc_allocated_bytes_total") - allocatedAtConvergence:0} MB more until after the resync");
Console.WriteLine($"  operator peak RSS: {peakKb / 1024.0:0} MB (goal < 150 MB); at rest: RSS {Metric("process_resident_memory_bytes"):0} MB, managed heap {Metric("dotnet_gc_heap_size_bytes"):0} MB, GC committed {Metric("dotnet_gc_committed_bytes"):0} MB (peak seen {peakCommitted:0} MB)");
return 0;

// "METHOD plural[/subresource]" of a request line ("PATCH userdeployments/status", "GET deployments?watch").
static string Kind(string request)
{
    var (method, url) = (request[..request.IndexOf(' ', StringComparison.Ordinal)], request[(request.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
    var query = url.IndexOf('?', StringComparison.Ordinal);
    var segments = (query < 0 ? url : url[..query]).Split('/', StringSplitOptions.RemoveEmptyEntries);
    var version = segments[0] == "api" ? 2 : 3;   // /api/v1/... or /apis/group/version/...
    var rest = segments.Length > version + 1 && segments[version] == "namespaces" && segments.Length > version + 2 ? segments[(version + 2)..] : segments[version..];
    return $"{method} {rest[0]}{(rest.Length > 2 ? "/" + rest[2] : "")}{(query >= 0 && url.Contains("watch=", StringComparison.Ordinal) ? "?watch" : "")}";
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}
