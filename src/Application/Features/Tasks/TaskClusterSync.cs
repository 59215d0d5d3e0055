using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>
/// Brings the cluster in line with the stored tasks: an unfinished task's latest wish is published as its AgentTask or
/// Workflow, a cancelled one's resource is deleted. Copies what the operator reports back onto the task. The API server
/// unreachable: the pass ends and every row waits; a request it refuses as wrong fails that task (sending it again cannot
/// succeed); anything else is retried with back-off.
/// </summary>
public sealed class TaskClusterSync(
    IAppDbContext db, ITaskOutbox outbox, ITaskPublisher publisher, TaskOptions options, TimeProvider clock, ILogger<TaskClusterSync> logger)
{
    public const int BatchSize = 100;
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Works through the pending tasks until none is due or the cluster stops answering; returns the tasks done.</summary>
    public async Task<int> PublishPendingAsync(TimeSpan maxRetryDelay, CancellationToken cancellationToken)
    {
        var done = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var claimed = await outbox.ClaimAsync(BatchSize, Lease, cancellationToken);
            if (claimed.Count == 0) return done;
            foreach (var (item, index) in claimed.Select((item, index) => (item, index)))
            {
                try
                {
                    await PublishAsync(item, cancellationToken);
                    await outbox.CompleteAsync(item.TaskId, item.Revision, cancellationToken);
                    done++;
                }
                catch (ClusterUnavailableException e)
                {
                    foreach (var rest in claimed.Skip(index))
                        await outbox.RetryLaterAsync(rest.TaskId, DeploymentClusterSync.Backoff(rest.Attempts, maxRetryDelay), e.Message, cancellationToken);
                    logger.LogWarning("Kubernetes API unavailable ({Error}); {Count} task change(s) wait", e.Message, claimed.Count - index);
                    return done;
                }
                catch (ClusterRefusedException e) when (e.Rejected)
                {
                    await FailAsync(item.TaskId, $"the Kubernetes API server refused it: {e.ClusterMessage}", cancellationToken);
                    await outbox.CompleteAsync(item.TaskId, item.Revision, cancellationToken);
                    logger.LogError("The Kubernetes API refused task {Task} as invalid: {Error}", item.TaskId, e.Message);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not System.Data.Common.DbException)
                {
                    var delay = DeploymentClusterSync.Backoff(item.Attempts, maxRetryDelay * 10);
                    await outbox.RetryLaterAsync(item.TaskId, delay, $"{e.GetType().Name}: {e.Message}", cancellationToken);
                    logger.LogWarning(e, "Publishing task {Task} failed; retrying in {Delay}", item.TaskId, delay);
                }
            }
        }
        return done;
    }

    private async Task PublishAsync(TaskOutboxItem item, CancellationToken cancellationToken)
    {
        var id = new TaskRunId(item.TaskId);
        var task = await db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (task is null) return;   // deleted with its team or organization, which refuse deletion while a task is unfinished
        var ns = options.NamespaceFor(task.TeamId);
        if (task.Phase == TaskPhase.Cancelled) await publisher.RemoveAsync(task.Kind, ns, task.Name, cancellationToken);
        else if (!task.IsFinished) await publisher.PublishAsync(new DesiredTask(task, ns), cancellationToken);
    }

    /// <summary>A failure is logged: the next list of the resources reports it again, and the removal is retried then.</summary>
    private async Task RemoveFinishedAsync(TaskReport report, CancellationToken cancellationToken)
    {
        try { await publisher.RemoveAsync(report.Kind, report.Namespace, report.Name, cancellationToken); }
        catch (Exception e) when (e is ClusterUnavailableException or ClusterRefusedException)
        {
            logger.LogWarning("Could not delete the finished {Kind} {Namespace}/{Name}: {Error}", report.Kind, report.Namespace, report.Name, e.Message);
        }
    }

    private async Task FailAsync(Guid id, string message, CancellationToken cancellationToken)
    {
        var taskId = new TaskRunId(id);
        var task = await db.Tasks.SingleOrDefaultAsync(t => t.Id == taskId, cancellationToken);
        if (task is null || !task.Report(TaskPhase.Failed, message, null, [], clock.GetUtcNow())) return;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Copies a report onto its task when it comes from the task's own resource: the server's label names the task, and the
    /// resource has the task's name and kind in the task's namespace (a label alone can be copied onto anything).
    /// A resource that reports its end is deleted once the task has it (its Jobs and pods go with it; the row keeps the
    /// result). Returns whether the task changed.
    /// </summary>
    public async Task<bool> ObserveAsync(TaskReport report, CancellationToken cancellationToken)
    {
        if (report.TaskId is not { } id || !TaskCodes.TryParsePhase(report.Phase, out var phase)) return false;
        var taskId = new TaskRunId(id);
        for (var attempt = 1; ; attempt++)
        {
            var task = await db.Tasks.SingleOrDefaultAsync(t => t.Id == taskId, cancellationToken);
            if (task is null || task.Kind != report.Kind || task.Name != report.Name || options.NamespaceFor(task.TeamId) != report.Namespace) return false;
            if (!task.Report(phase, report.Message, report.Output, report.Steps, clock.GetUtcNow()))
            {
                if (task.IsFinished && TaskRun.IsFinal(phase)) await RemoveFinishedAsync(report, cancellationToken);   // stored before (a relist)
                return false;
            }
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                if (task.IsFinished) await RemoveFinishedAsync(report, cancellationToken);
                return true;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                db.DiscardChanges();   // a cancel or the outbox wrote the row meanwhile: read it again (the report is not repeated by the watch)
            }
        }
    }
}
