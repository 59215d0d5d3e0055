using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

/// <summary>An exception nobody foresaw ends neither a worker nor the operator's usefulness; a loop that does end shows in readiness.</summary>
public sealed class OperatorRobustnessTests : IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_reconcile_that_throws_an_unexpected_exception_is_retried_with_back_off_and_the_other_resources_are_still_reconciled()
    {
        _h.Api.AutoReadyDeployments = true;
        // Listed first (in name order), one for each worker: before the fix each one's exception ended a worker.
        foreach (var name in new[] { "bad1", "bad2", "good1", "good2" })
            await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment(name));
        FaultyClient? faulty = null;
        var (runtime, metrics, _) = _h.StartOperator(wrap: c => faulty = new FaultyClient(c)
        {
            ApplyFault = body => (string?)body["metadata"]?["name"] switch
            {
                "bad1-web" => new InvalidOperationException("boom"),
                "bad2-web" => new NullReferenceException(),
                _ => null,
            },
        });

        await Eventually.TrueAsync(() => Phase(_h.Resource("good1")) == "Running" && Phase(_h.Resource("good2")) == "Running", "the good ones Running");
        await Eventually.TrueAsync(() => faulty!.Attempts("bad1-web").Count >= 6, "the failing one retried", TimeSpan.FromSeconds(20));

        // Back-off from 100 ms, doubling: the sixth attempt comes 0.8-1.6 s after the fifth (a watch event may bring one
        // earlier, as in client-go, but not start a second chain of retries), and a few seconds hold a handful of
        // attempts, not a hot loop.
        var times = faulty!.Attempts("bad1-web");
        var gaps = string.Join(", ", times.Zip(times.Skip(1), (a, b) => (int)(b - a).TotalMilliseconds));
        Assert.True(times[5] - times[4] > TimeSpan.FromMilliseconds(700), "back-off grows (gaps in ms: " + gaps + ")");
        Assert.True(times.Count <= 10, "attempts are rate-limited (gaps in ms: " + gaps + ")");
        Assert.True(faulty.Attempts("bad2-web").Count >= 5, "the NullReferenceException is retried as well");
        Assert.True(metrics.Errors("userdeployment") >= 10, $"errors counted: {metrics.Errors("userdeployment")}");
        Assert.Matches(@"cleanscheduler_reconcile_errors_total\{controller=""userdeployment""\} ([1-9][0-9]+)", await metrics.RenderAsync());
        Assert.True(runtime.Ready, "still ready");
        Assert.False(runtime.Broken);

        // The cause goes away: the next retry succeeds.
        faulty.ApplyFault = _ => null;
        await Eventually.TrueAsync(() => Phase(_h.Resource("bad1")) == "Running" && Phase(_h.Resource("bad2")) == "Running", "the bad ones Running once healed", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_loop_of_a_controller_that_ends_makes_the_operator_not_ready()
    {
        _h.Api.AutoReadyDeployments = true;
        FaultyClient? faulty = null;
        var (runtime, _, _) = _h.StartOperator(wrap: c => faulty = new FaultyClient(c));
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await Eventually.TrueAsync(() => Phase(_h.Resource("shop")) == "Running", "Running");
        // Ready once every watch of the controller has listed, which may be just after the first reconcile wrote Running.
        await Eventually.TrueAsync(() => runtime.Ready, "ready");

        faulty!.WatchFault = resource => resource == KubeResource.Deployments ? new InvalidOperationException("a bug in the watch") : null;
        _h.Api.BreakWatches();   // the watches reconnect; the Deployments one now throws what its loop does not handle

        await Eventually.TrueAsync(() => !runtime.Ready, "not ready once the watch loop ended");
        Assert.True(runtime.Broken);
    }

    [Fact]
    public async Task The_watches_list_one_at_a_time()
    {
        // Each list holds its pages of full objects until they are trimmed; nine at once made the operator's peak memory.
        _h.Api.AutoReadyDeployments = true;
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        FaultyClient? faulty = null;
        var (runtime, _, _) = _h.StartOperator(wrap: c => faulty = new FaultyClient(c)
        {
            // The UserDeployment controller's watches (the other controllers list at the same time, each one at a time).
            ListDelay = r => r == KubeResource.UserDeployments || Controllers.UserDeploymentController.WatchedKinds.Contains(r) ? TimeSpan.FromMilliseconds(20) : null,
        });

        await Eventually.TrueAsync(() => runtime.Controller?.Synced == true && Phase(_h.Resource("shop")) == "Running", "synced and Running");
        Assert.Equal(1, faulty!.MaxConcurrentLists);
    }

    /// <summary>The real client, with exceptions thrown where a test says (as a bug in our code or an unforeseen answer would).</summary>
    private sealed class FaultyClient(IKubernetesClient inner) : IKubernetesClient
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTime>> _attempts = new(StringComparer.Ordinal);

        public Func<JsonObject, Exception?> ApplyFault { get; set; } = _ => null;

        public Func<KubeResource, Exception?> WatchFault { get; set; } = _ => null;

        public IReadOnlyList<DateTime> Attempts(string name) => _attempts.TryGetValue(name, out var times) ? [.. times] : [];

        public Task<JsonObject> ApplyAsync(KubeResource resource, JsonObject body, string fieldManager, bool force, CancellationToken cancellationToken = default)
        {
            _attempts.GetOrAdd((string?)body["metadata"]?["name"] ?? "", _ => new()).Enqueue(DateTime.UtcNow);
            if (ApplyFault(body) is { } fault) throw fault;
            return inner.ApplyAsync(resource, body, fieldManager, force, cancellationToken);
        }

        public async IAsyncEnumerable<WatchEvent> WatchAsync(KubeResource resource, string? @namespace, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (WatchFault(resource) is { } fault) throw fault;
            await foreach (var change in inner.WatchAsync(resource, @namespace, options, cancellationToken)) yield return change;
        }

        public Task<JsonObject?> GetAsync(KubeResource resource, string? @namespace, string name, CancellationToken cancellationToken = default) =>
            inner.GetAsync(resource, @namespace, name, cancellationToken);

        /// <summary>Kinds whose lists take a moment (as one of 500 objects a page does) and are counted in <see cref="MaxConcurrentLists"/>.</summary>
        public Func<KubeResource, TimeSpan?> ListDelay { get; set; } = _ => null;

        /// <summary>The most lists of the kinds <see cref="ListDelay"/> delays in progress at once.</summary>
        public int MaxConcurrentLists => Volatile.Read(ref _maxLists);

        private int _lists, _maxLists;

        public async Task<KubeList> ListAsync(KubeResource resource, string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default, Func<JsonObject, JsonObject>? select = null)
        {
            if (ListDelay(resource) is not { } delay) return await inner.ListAsync(resource, @namespace, options, cancellationToken, select);
            var now = Interlocked.Increment(ref _lists);
            int max;
            while (now > (max = Volatile.Read(ref _maxLists)) && Interlocked.CompareExchange(ref _maxLists, now, max) != max) { }
            try
            {
                await Task.Delay(delay, cancellationToken);
                return await inner.ListAsync(resource, @namespace, options, cancellationToken, select);
            }
            finally { Interlocked.Decrement(ref _lists); }
        }

        public Task<JsonObject> CreateAsync(KubeResource resource, JsonObject body, CancellationToken cancellationToken = default) =>
            inner.CreateAsync(resource, body, cancellationToken);

        public Task<JsonObject> MergePatchAsync(KubeResource resource, string? @namespace, string name, JsonObject patch, string? subresource = null, CancellationToken cancellationToken = default) =>
            inner.MergePatchAsync(resource, @namespace, name, patch, subresource, cancellationToken);

        public Task<JsonObject?> DeleteAsync(KubeResource resource, string? @namespace, string name, string? propagationPolicy = null, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(resource, @namespace, name, propagationPolicy, cancellationToken);

        public Task<Stream?> GetLogsAsync(string @namespace, string pod, string? container, bool follow, int? tailLines = null,
            int? sinceSeconds = null, bool timestamps = false, CancellationToken cancellationToken = default) =>
            inner.GetLogsAsync(@namespace, pod, container, follow, tailLines, sinceSeconds, timestamps, cancellationToken);
    }
}
