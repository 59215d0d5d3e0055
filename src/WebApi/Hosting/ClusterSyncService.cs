using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.WebApi.Configuration;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>
/// KUBERNETES_ENABLED=true: works off the cluster outbox as soon as a change commits and again every
/// KUBERNETES_RECONCILE_INTERVAL (retries wait with back-off), and watches the server's UserDeployments to copy their
/// status back. The full comparison (after each full list of the watch: at start and after the watch expired; and every
/// 20 reconcile intervals) removes orphaned server-made UserDeployments and finds stored deployments the cluster lacks.
/// A status report is copied when it describes the stored revision (<see cref="DeploymentClusterSync.ObserveAsync"/>).
/// </summary>
public sealed class ClusterSyncService(
    IServiceScopeFactory scopes, ClusterSyncSignal signal, IDeploymentReports reports, ServerSettings settings,
    ILogger<ClusterSyncService> logger)
    : BackgroundService, IDeploymentReportHandler
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        PublishLoopAsync(stoppingToken), reports.FollowAsync(this, settings.KubernetesReconcileInterval, stoppingToken), FullComparisonLoopAsync(stoppingToken));

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
                var list = await reports.ListAsync(stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await CompareAsync(scope.ServiceProvider.GetRequiredService<DeploymentClusterSync>(), list, stoppingToken);
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

    private async Task CompareAsync(DeploymentClusterSync sync, IReadOnlyList<DeploymentReport> items, CancellationToken cancellationToken)
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

    public Task OnListAsync(IReadOnlyList<DeploymentReport> reports, CancellationToken cancellationToken) => ObservingAsync(async sync =>
    {
        foreach (var report in reports) await sync.ObserveAsync(report, cancellationToken);
        await CompareAsync(sync, reports, cancellationToken);
    });

    public Task OnChangedAsync(DeploymentReport report, CancellationToken cancellationToken) =>
        ObservingAsync(sync => sync.ObserveAsync(report, cancellationToken));

    public Task OnRemovedAsync(DeploymentReport report, CancellationToken cancellationToken) => ObservingAsync(async sync =>
    {
        if (report.DeploymentId is not { } id) return;
        if (await sync.EnqueueIfStoredAsync(id, report.Namespace, cancellationToken))
        {
            logger.LogInformation("UserDeployment {Namespace}/{Name} was deleted in the cluster but not here; creating it again", report.Namespace, report.Name);
            signal.Notify();
        }
    });

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
