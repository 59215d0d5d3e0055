using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.Operator;
using CleanScheduler.Operator.Metrics;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleanScheduler.Operator.Tests;

/// <summary>The test API server with the repo's CRDs and namespace sandbox-alice, and operators running against it.</summary>
public sealed class OperatorHarness : IAsyncDisposable
{
    public const string Namespace = "sandbox-alice";
    private readonly List<(CancellationTokenSource Stop, Task Run, KubernetesApiClient Client)> _operators = [];

    public KubeApiServerTestDouble Api { get; private set; } = null!;
    public KubernetesApiClient Client { get; private set; } = null!;

    public static async Task<OperatorHarness> StartAsync()
    {
        var harness = new OperatorHarness { Api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds) };
        harness.Client = harness.NewClient();
        await harness.Client.CreateAsync(KubeResource.Namespaces, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = Namespace },
        });
        return harness;
    }

    public KubernetesApiClient NewClient(string agent = "cleanscheduler-test") => KubeClient.For(Api.Address, agent);

    public static OperatorSettings Settings(bool leaderElect = false, string? identity = null, TimeSpan? resync = null)
    {
        var (settings, errors) = OperatorSettings.Load([], name => name switch
        {
            "HEALTH_PROBE_BIND_ADDRESS" => "127.0.0.1:1",
            "DEPLOYMENT_DOMAIN" => "apps.test",
            "LEADER_ELECT" => leaderElect ? "true" : "false",
            "LEADER_ELECTION_NAMESPACE" => Namespace,
            "POD_NAME" => identity,
            "RESYNC_PERIOD" => resync is { } r ? $"{(int)r.TotalSeconds}s" : "1h",
            _ => null,
        });
        return settings ?? throw new InvalidOperationException(string.Join("; ", errors));
    }

    /// <param name="wrap">Stands between the operator and its client (to inject faults).</param>
    public (OperatorRuntime Runtime, OperatorMetrics Metrics, CancellationTokenSource Stop) StartOperator(OperatorSettings? settings = null, bool releaseLease = true,
        Func<IKubernetesClient, IKubernetesClient>? wrap = null)
    {
        var client = NewClient("cleanscheduler-operator");
        var metrics = new OperatorMetrics();
        var runtime = new OperatorRuntime(wrap?.Invoke(client) ?? client, client.Api, settings ?? Settings(), metrics, NullLoggerFactory.Instance) { ReleaseLeaseOnStop = releaseLease };
        var stop = new CancellationTokenSource();
        _operators.Add((stop, Task.Run(() => runtime.RunAsync(stop.Token)), client));
        return (runtime, metrics, stop);
    }

    public static JsonObject UserDeployment(string name, string desiredState = "running", int replicas = 1, string image = "nginx:1.27-alpine") => new()
    {
        ["apiVersion"] = CustomResources.ApiVersion,
        ["kind"] = "UserDeployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace },
        ["spec"] = new JsonObject
        {
            ["desiredState"] = desiredState,
            ["owner"] = new JsonObject { ["user"] = "alice" },
            ["tier"] = "business",
            ["services"] = new JsonArray(
                new JsonObject
                {
                    ["name"] = "web", ["image"] = image, ["replicas"] = replicas,
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["public"] = true }),
                    ["env"] = new JsonArray(new JsonObject { ["name"] = "GREETING", ["default"] = "hello" }),
                },
                new JsonObject
                {
                    ["name"] = "db", ["image"] = "postgres:16-alpine", ["replicas"] = 1,
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "postgres", ["port"] = 5432 }),
                }),
        },
    };

    public JsonObject? Resource(string name) => Api.Get(CustomResources.ApiVersion, "userdeployments", Namespace, name);

    public JsonObject? Deployment(string name) => Api.Get("apps/v1", "deployments", Namespace, name);

    public static string? Phase(JsonObject? resource) => (string?)resource?["status"]?["phase"];

    public JsonObject? AgentTask(string name) => Api.Get(CustomResources.ApiVersion, "agenttasks", Namespace, name);

    public JsonObject? Workflow(string name) => Api.Get(CustomResources.ApiVersion, "workflows", Namespace, name);

    public JsonObject? Job(string name) => Api.Get("batch/v1", "jobs", Namespace, name);

    // The test API server runs no Job controller: FakeJobs stands in for it, as it would report a Job and its pod.

    public void JobStarted(string job, DateTimeOffset? at = null) => FakeJobs.Started(Api, Namespace, job, at);

    public void JobFinished(string job, bool succeeded, string? terminationMessage, string? reason = null) =>
        FakeJobs.Finished(Api, Namespace, job, succeeded, terminationMessage, reason);

    public async ValueTask DisposeAsync()
    {
        foreach (var (stop, run, client) in _operators)
        {
            await stop.CancelAsync();
            try { await run.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (OperationCanceledException) { }
            client.Dispose();
        }
        Client.Dispose();
        await Api.DisposeAsync();
    }
}
