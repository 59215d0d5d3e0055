using System.Text.Json.Nodes;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Kubernetes;
using CleanScheduler.WebApi.Configuration;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>
/// KUBERNETES_ENABLED=true: works off the cluster outbox as soon as a change commits and again every
/// KUBERNETES_RECONCILE_INTERVAL (retries wait with back-off), and watches the server's UserDeployments to copy their
/// status back. The full comparison (after each full list of the watch: at start and after the watch expired; and every
/// 20 reconcile intervals) removes orphaned server-made UserDeployments and finds stored deployments the cluster lacks.
/// A status report that arrives while a change of its deployment is still in the outbox is not copied (it may describe
/// the older wish); once the outbox has been worked off, the resource is read again and its status copied if it then
/// describes the current spec, so that the operator's last word is not lost to a race with the publisher.
/// </summary>
public sealed class ClusterSyncService(
    IServiceScopeFactory scopes, ClusterSyncSignal signal, IClusterOutbox outbox, IKubernetesClient kube, ServerSettings settings,
    ILogger<ClusterSyncService> logger)
    : BackgroundService, IWatchHandler
{
    /// <summary>Deployments whose status report came while a change was pending: read again after the outbox pass.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (string Namespace, string Name, long Seq)> _deferred = new();
    private long _deferrals;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watcher = new ResourceWatcher(kube, KubeResource.UserDeployments, null, ClusterNames.Selector, this, logger)
        {
            MaxBackoff = settings.KubernetesReconcileInterval,
        };
        return Task.WhenAll(PublishLoopAsync(stoppingToken), watcher.RunAsync(stoppingToken), FullComparisonLoopAsync(stoppingToken));
    }

    /// <summary>How often the full comparison runs besides each (re-)list of the watch: 20 reconcile intervals (10 minutes by default).</summary>
    public TimeSpan FullComparisonInterval => settings.KubernetesReconcileInterval * 20;

    /// <summary>
    /// A watch can run for days without a re-list; the full comparison (removing orphaned UserDeployments, re-creating
    /// missing ones) must not wait for one. A failure is logged and the next round tries again.
    /// </summary>
    private async Task FullComparisonLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FullComparisonInterval, stoppingToken);
                var list = await kube.ListAsync(KubeResource.UserDeployments, null, new ListOptions(ClusterNames.Selector, Limit: 500), stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await CompareAsync(scope.ServiceProvider.GetRequiredService<DeploymentClusterSync>(), list.Items, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Full comparison with the cluster failed; it runs again in {Interval}", FullComparisonInterval);
            }
        }
    }

    private async Task CompareAsync(DeploymentClusterSync sync, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        var result = await sync.CompareAsync(items, cancellationToken);
        if (result.Removed > 0) logger.LogInformation("{Count} orphaned UserDeployment(s) removed from the cluster", result.Removed);
        if (result.Missing > 0)
        {
            logger.LogInformation("{Count} stored deployment(s) have no UserDeployment in their namespace; creating them", result.Missing);
            signal.Notify();
        }
    }

    private async Task PublishLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var sync = scope.ServiceProvider.GetRequiredService<DeploymentClusterSync>();
                var done = await sync.PublishPendingAsync(settings.KubernetesReconcileInterval, stoppingToken);
                if (done > 0) logger.LogDebug("Cluster sync: {Count} outbox row(s) done", done);
                foreach (var entry in _deferred)
                {
                    // Still unpublished (the API server refusing, say): reading the resource again would tell nothing new.
                    if (await outbox.HasPendingAsync(entry.Key, stoppingToken)) continue;
                    var current = await kube.GetAsync(KubeResource.UserDeployments, entry.Value.Namespace, entry.Value.Name, stoppingToken);
                    if (current is null || await sync.ObserveAsync(current, stoppingToken) != Observation.Pending)
                        _deferred.TryRemove(entry);   // only this deferral: one that came meanwhile stays for the next pass
                }
                await signal.WaitAsync(settings.KubernetesReconcileInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database is unreachable, or a deployment cannot be read: the rows stay; try again next interval.
                logger.LogError(e, "Cluster sync failed; it runs again in {Interval}", settings.KubernetesReconcileInterval);
                try { await Task.Delay(settings.KubernetesReconcileInterval, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    public async Task OnListAsync(IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        await ObservingAsync(async sync =>
        {
            foreach (var item in items) await ObserveAsync(sync, item, cancellationToken);
            await CompareAsync(sync, items, cancellationToken);
        });
    }

    public async Task OnEventAsync(WatchEventType type, JsonObject item, CancellationToken cancellationToken)
    {
        await ObservingAsync(async sync =>
        {
            if (type is WatchEventType.Added or WatchEventType.Modified) await ObserveAsync(sync, item, cancellationToken);
            else if (type == WatchEventType.Deleted && DeploymentClusterSync.DeploymentIdOf(item) is { } id)
            {
                _deferred.TryRemove(id, out _);
                if (await sync.EnqueueIfStoredAsync(id, (string?)item["metadata"]?["namespace"], cancellationToken))
                {
                    logger.LogInformation("UserDeployment {Namespace}/{Name} was deleted in the cluster but not here; creating it again",
                        (string?)item["metadata"]?["namespace"], (string?)item["metadata"]?["name"]);
                    signal.Notify();
                }
            }
        });
    }

    private async Task ObserveAsync(DeploymentClusterSync sync, JsonObject report, CancellationToken cancellationToken)
    {
        if (DeploymentClusterSync.DeploymentIdOf(report) is not { } id) return;
        if (await sync.ObserveAsync(report, cancellationToken) == Observation.Pending)
        {
            _deferred[id] = ((string?)report["metadata"]?["namespace"] ?? "", (string?)report["metadata"]?["name"] ?? "", Interlocked.Increment(ref _deferrals));
            signal.Notify();   // the publisher takes another pass, then reads the resource again
        }
        else _deferred.TryRemove(id, out _);
    }

    /// <summary>A failure to record a status (the database away) is logged; the resource's next change or the next full list carries it again.</summary>
    private async Task ObservingAsync(Func<DeploymentClusterSync, Task> work)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await work(scope.ServiceProvider.GetRequiredService<DeploymentClusterSync>());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not record UserDeployment status");
        }
    }
}
