using CleanScheduler.Kubernetes;
using CleanScheduler.Operator.Controllers;
using CleanScheduler.Operator.Metrics;

namespace CleanScheduler.Operator;

/// <summary>
/// The operator without its web host: campaigns for the leader Lease (unless leader election is off) and, while it
/// leads, runs the controllers. Losing the Lease stops them; this instance then campaigns again. The controllers speak
/// through <paramref name="client"/>; the Lease is the package's own (<paramref name="api"/>).
/// </summary>
public sealed class OperatorRuntime(IKubernetesClient client, k8s.IKubernetes api, OperatorSettings settings, OperatorMetrics metrics, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("CleanScheduler.Operator");

    public UserDeploymentController? Controller { get; private set; }
    public AgentTaskController? AgentTasks { get; private set; }
    public WorkflowController? Workflows { get; private set; }

    public Leadership? Elector { get; private set; }

    /// <summary>
    /// The probe's readiness: the API server answered once, and no loop of a running controller has ended (a worker
    /// or a watch that stopped would leave this instance leading but doing nothing).
    /// </summary>
    public bool Ready => (Controller?.Synced == true || Elector?.Contacted == true) && !Broken;

    /// <summary>A loop of one of the controllers ended while they were meant to run.</summary>
    public bool Broken => Controller?.Broken == true || AgentTasks?.Broken == true || Workflows?.Broken == true;

    /// <summary>When false, stopping does not hand the Lease back (as when the process is killed).</summary>
    public bool ReleaseLeaseOnStop { get; init; } = true;

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        metrics.IsLeader = () => !settings.LeaderElect || Elector?.IsLeader == true;
        metrics.QueueDepth = () => (Controller?.Queue.Depth ?? 0) + (AgentTasks?.Queue.Depth ?? 0) + (Workflows?.Queue.Depth ?? 0);
        if (!settings.LeaderElect)
        {
            await LeadAsync(cancellationToken);
            return;
        }
        Elector = new Leadership(api, settings.LeaderElectionNamespace, settings.LeaderElectionId, settings.Identity, _logger)
        {
            LeaseDuration = LeaseDuration, RenewDeadline = RenewDeadline, RetryPeriod = RetryPeriod, ReleaseOnStop = ReleaseLeaseOnStop,
        };
        await Elector.RunAsync(LeadAsync, cancellationToken);
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        var options = new ControllerOptions(settings.WatchNamespace, settings.DeploymentDomain, settings.Render, settings.ResyncPeriod, settings.Workers);
        var controller = new UserDeploymentController(client, options, metrics, loggers.CreateLogger<UserDeploymentController>());
        var tasks = new AgentTaskController(client, options, metrics, loggers.CreateLogger<AgentTaskController>());
        var workflows = new WorkflowController(client, options, metrics, loggers.CreateLogger<WorkflowController>());
        (Controller, AgentTasks, Workflows) = (controller, tasks, workflows);
        _logger.LogInformation("Controllers started (watching {Scope})", settings.WatchNamespace ?? "all namespaces");
        try { await Task.WhenAll(controller.RunAsync(cancellationToken), tasks.RunAsync(cancellationToken), workflows.RunAsync(cancellationToken)); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        _logger.LogInformation("Controllers stopped");
    }
}
