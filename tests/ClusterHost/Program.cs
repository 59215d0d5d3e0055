using System.Text.Json.Nodes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

// The test API server as a process of its own, for the browser end-to-end tests (frontend/e2e/cluster.ts):
//   dotnet CleanScheduler.ClusterHost.dll <kubeconfig path>
// serves the repo's CRDs, writes a kubeconfig pointing at itself, prints "ready <address>" and runs until its standard
// input closes (the test process ended) or it is stopped. Nothing here runs containers: Deployments report all their
// replicas ready, and FakeJobRunner stands in for the Job controller and the kubelet.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: CleanScheduler.ClusterHost <kubeconfig path>");
    return 2;
}

await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
api.AutoReadyDeployments = true;
var written = Kubeconfig.Write(api.Address);
File.Copy(written, args[0], overwrite: true);
Kubeconfig.Delete(written);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var jobs = new FakeJobRunner(api).RunAsync(stop.Token);
Console.WriteLine($"ready {api.Address}");

try { await Console.In.ReadToEndAsync(stop.Token); }
catch (OperationCanceledException) { }   // Ctrl+C
await stop.CancelAsync();
await jobs;
return 0;

/// <summary>
/// Starts every new Job at once and ends it about a second later, as if its one container ran the task: the container
/// prints the task's input (the <c>TASK_INPUT</c> variable the operator sets) as its termination message, so a task's
/// output is its input, and a step's output can be seen substituted into the next step's input. A container whose
/// command or arguments contain <c>exit 1</c> fails instead, with that as its message.
/// </summary>
internal sealed class FakeJobRunner(KubeApiServerTestDouble api)
{
    private static readonly TimeSpan RunTime = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, DateTimeOffset> _started = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var job in api.List("batch/v1", "jobs")) Step(job);
            try { await Task.Delay(200, cancellationToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private void Step(JsonObject job)
    {
        var (ns, name, uid) = ((string)job["metadata"]!["namespace"]!, (string)job["metadata"]!["name"]!, (string)job["metadata"]!["uid"]!);
        var status = job["status"] as JsonObject;
        if (status?["succeeded"] is not null || status?["failed"] is not null) return;
        if (!_started.TryGetValue(uid, out var started))
        {
            _started[uid] = DateTimeOffset.UtcNow;
            FakeJobs.Started(api, ns, name);
            return;
        }
        if (DateTimeOffset.UtcNow - started < RunTime) return;
        var container = job["spec"]?["template"]?["spec"]?["containers"]?[0] as JsonObject;
        var command = string.Join(' ', ((container?["command"] as JsonArray) ?? []).Concat((container?["args"] as JsonArray) ?? []).Select(a => (string?)a));
        var input = (container?["env"] as JsonArray)?.FirstOrDefault(e => (string?)e?["name"] == "TASK_INPUT")?["value"];
        if (command.Contains("exit 1", StringComparison.Ordinal))
            FakeJobs.Finished(api, ns, name, succeeded: false, "exit 1", container: (string?)container?["name"] ?? "task");
        else
            FakeJobs.Finished(api, ns, name, succeeded: true, (string?)input ?? "{}", container: (string?)container?["name"] ?? "task");
    }
}
