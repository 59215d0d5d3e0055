using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>
/// Where tasks run: TASK_NAMESPACE for every task when set, else the team's namespace (KUBERNETES_NAMESPACE's pattern,
/// the deployments' namespace: one team per namespace, with its tier's quota).
/// </summary>
public sealed record TaskOptions(DeploymentOptions Deployments, string? Namespace = null)
{
    public string NamespaceFor(TeamId team) => string.IsNullOrEmpty(Namespace) ? Deployments.NamespaceFor(team) : Namespace;
}

/// <summary>A pending wish of a task (see <see cref="ITaskOutbox"/>).</summary>
public sealed record TaskOutboxItem(Guid TaskId, long Revision, int Attempts);

/// <summary>
/// The tasks whose latest wish (<see cref="TaskRun.Revision"/>) the cluster does not have yet. The row is its own outbox:
/// the wish and the record that it is pending commit together. A claim leases rows, so two servers never work on the
/// same one at once and a row whose server died is claimed again when the lease runs out.
/// </summary>
public interface ITaskOutbox
{
    Task<IReadOnlyList<TaskOutboxItem>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>The cluster has <paramref name="revision"/> (a newer wish committed meanwhile stays pending).</summary>
    Task CompleteAsync(Guid task, long revision, CancellationToken cancellationToken);

    Task RetryLaterAsync(Guid task, TimeSpan delay, string error, CancellationToken cancellationToken);
}

/// <summary>What the cluster must run: an AgentTask (one step) or a Workflow, in <see cref="Namespace"/>.</summary>
public sealed record DesiredTask(TaskRun Task, string Namespace);

/// <summary>Writes tasks into the cluster as AgentTask / Workflow resources (the operator runs them), and removes them.</summary>
public interface ITaskPublisher
{
    Task PublishAsync(DesiredTask desired, CancellationToken cancellationToken);

    /// <summary>Deletes the resource (its Jobs and step tasks go with it by garbage collection); one already gone is done.</summary>
    Task RemoveAsync(TaskKind kind, string @namespace, string name, CancellationToken cancellationToken);
}

/// <summary>What an AgentTask or Workflow of the server reports: its task id label, place, and status.</summary>
public sealed record TaskReport(
    Guid? TaskId, TaskKind Kind, string Namespace, string Name, string? Phase, string? Message,
    IReadOnlyDictionary<string, string>? Output, IReadOnlyList<StepReport> Steps);

public interface ITaskReportHandler
{
    Task OnReportAsync(TaskReport report, CancellationToken cancellationToken);
}

/// <summary>Follows the server's AgentTasks and Workflows (list, then watch) and hands each state to the handler.</summary>
public interface ITaskReports
{
    Task FollowAsync(ITaskReportHandler handler, TimeSpan maxBackoff, CancellationToken cancellationToken);
}

/// <summary>Wakes the task sync as soon as a task was started or cancelled, instead of at its next interval.</summary>
public sealed class TaskSyncSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        try { _pending.Release(); }
        catch (SemaphoreFullException) { }   // already signalled
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);
}
