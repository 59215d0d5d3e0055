using CleanScheduler.Application.Features.Tasks;
using CleanScheduler.WebApi.Configuration;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>
/// KUBERNETES_ENABLED=true: publishes started and cancelled tasks as soon as they commit and again every
/// KUBERNETES_RECONCILE_INTERVAL (retries wait with back-off), and follows the server's AgentTasks and Workflows to copy
/// their status back (<see cref="TaskClusterSync.ObserveAsync"/>).
/// </summary>
public sealed class TaskSyncService(
    IServiceScopeFactory scopes, TaskSyncSignal signal, ITaskReports reports, ServerSettings settings, ILogger<TaskSyncService> logger)
    : BackgroundService, ITaskReportHandler
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(PublishLoopAsync(stoppingToken), reports.FollowAsync(this, settings.KubernetesReconcileInterval, stoppingToken));

    private async Task PublishLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using (var scope = scopes.CreateAsyncScope())
                    await scope.ServiceProvider.GetRequiredService<TaskClusterSync>().PublishPendingAsync(settings.KubernetesReconcileInterval, stoppingToken);
                await signal.WaitAsync(settings.KubernetesReconcileInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Task sync failed; it runs again in {Interval}", settings.KubernetesReconcileInterval);
                try { await Task.Delay(settings.KubernetesReconcileInterval, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>A failure to record a status (the database away) is logged; the resource's next change or the next list carries it again.</summary>
    public async Task OnReportAsync(TaskReport report, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TaskClusterSync>().ObserveAsync(report, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not record the status of {Kind} {Namespace}/{Name}", report.Kind, report.Namespace, report.Name);
        }
    }
}
