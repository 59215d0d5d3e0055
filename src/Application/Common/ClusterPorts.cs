using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Application.Common;

// The ports through which the use cases reach the cluster side. They speak of deployments, never of Kubernetes
// objects: the adapters (src/Infrastructure/Cluster, over src/Kubernetes) do the translating.

/// <summary>
/// The template spec format and what a deployment renders to. The operator uses the same code, so the server's answers
/// (400 with the spec's errors, 422 for the render limits, the manifest download) are what the cluster gets.
/// </summary>
public interface IDeploymentManifests
{
    /// <summary>The spec, or null with every problem at its line and column.</summary>
    TemplateSpec? ParseTemplate(string? yaml, out IReadOnlyList<SpecError> errors);

    /// <summary>Why a deployment of <paramref name="spec"/> with these values, name and host would render past the limits, or null.</summary>
    RenderLimitProblem? CheckRenderLimits(TemplateSpec spec, IReadOnlyDictionary<string, string> values, string name, string host);

    /// <summary>The deployment's objects as multi-document YAML. Secret values never appear: only which Secret each key is read from.</summary>
    RenderedManifests Render(ManifestRequest request);
}

public sealed record ManifestRequest(
    Deployment Deployment, string Namespace, Tier Tier, TierLimits Limits, TemplateSpec Spec, IReadOnlyList<ServiceSecretSet> ServiceSecrets);

/// <summary>The YAML and how many objects it holds, or (when it would exceed the limits) the problem and no YAML.</summary>
public sealed record RenderedManifests(string? Yaml, int Objects, RenderLimitProblem? Problem);

/// <summary>What the cluster must hold for one deployment, as stored now.</summary>
public sealed record DesiredDeployment(
    Deployment Deployment, string Namespace, string TemplateSpec, Tier Tier, TierLimits Limits, IReadOnlyList<ServiceSecretSet> ServiceSecrets);

/// <summary>The effective secrets of one service (docs/secrets.md); a service without any has none.</summary>
public sealed record ServiceSecretSet(string Service, IReadOnlyList<ServiceSecretValue> Keys);

/// <summary>
/// One key of a service: <see cref="RemoteKey"/> is the backend path of the tier it comes from (what an ExternalSecret
/// reads), <see cref="Value"/> the value when the server writes the Secret itself (null with a cluster secret store).
/// </summary>
public sealed record ServiceSecretValue(string Key, string RemoteKey, string? Value);

/// <summary>Publishes deployments to the cluster and removes them. Failures are <see cref="ClusterUnavailableException"/> or <see cref="ClusterRefusedException"/>.</summary>
public interface IDeploymentPublisher
{
    /// <summary>Whether the publisher writes the secret values into Secrets (false: a cluster secret store reads them from the backend).</summary>
    bool PublishesSecretValues { get; }

    /// <summary>Makes the cluster hold the deployment as desired; returns the cluster's report on it right after.</summary>
    Task<DeploymentReport> PublishAsync(DesiredDeployment desired, CancellationToken cancellationToken);

    /// <summary>Removes the deployment from the cluster (what it owns goes with it). Already gone is done.</summary>
    Task RemoveAsync(string @namespace, string name, CancellationToken cancellationToken);
}

/// <summary>
/// What the cluster says about one deployment it holds. <see cref="DeploymentId"/> and <see cref="OrganizationId"/>
/// come from the object's labels and owner, <see cref="ServerMade"/> says the server wrote it (never true of a
/// hand-written one). <see cref="Generation"/> counts the object's spec changes (any writer's). <see cref="Status"/> is
/// null until the operator reported on it, and when what it reported is malformed.
/// </summary>
public sealed record DeploymentReport(
    Guid? DeploymentId, string Namespace, string Name, bool ServerMade, Guid? OrganizationId, long Generation, string? DesiredState, ReportedStatus? Status);

/// <summary>
/// The operator's report: <see cref="Revision"/> is the deployment revision of the spec it describes (null for a spec
/// without one), <see cref="ObservedGeneration"/> the <see cref="DeploymentReport.Generation"/> of that spec.
/// </summary>
public sealed record ReportedStatus(string Phase, string? Message, long? ObservedGeneration, long? Revision, ClusterObservation Observed);

/// <summary>Receives what <see cref="IDeploymentReports.FollowAsync"/> sees.</summary>
public interface IDeploymentReportHandler
{
    /// <summary>Every deployment the cluster holds (at start, and again after the follow had to start over).</summary>
    Task OnListAsync(IReadOnlyList<DeploymentReport> reports, CancellationToken cancellationToken);

    Task OnChangedAsync(DeploymentReport report, CancellationToken cancellationToken);

    Task OnRemovedAsync(DeploymentReport report, CancellationToken cancellationToken);
}

/// <summary>The cluster's reports on the deployments the server published.</summary>
public interface IDeploymentReports
{
    /// <summary>Lists, then follows changes until cancelled; an unreachable cluster is retried with back-off.</summary>
    Task FollowAsync(IDeploymentReportHandler handler, TimeSpan maxBackoff, CancellationToken cancellationToken);

    Task<IReadOnlyList<DeploymentReport>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>Where a deployment's pods are: its namespace and instance, optionally one service or one pod.</summary>
public sealed record DeploymentLogSource(string Namespace, string Instance, string? Service, string? Pod = null);

/// <summary>
/// Which lines: the last <see cref="TailLines"/> (null: all) of those written after <see cref="After"/> (null: since
/// the pod started), then, with <see cref="Follow"/>, the new ones as they come.
/// </summary>
public sealed record LogWindow(int? TailLines, DateTimeOffset? After, bool Follow);

/// <summary>One line of a pod's log, with the time the container wrote it (null when the cluster did not say).</summary>
public sealed record LogLine(string Pod, string? Service, string Line, DateTimeOffset? Time = null);

/// <summary>The log lines of a deployment's pods.</summary>
public interface IDeploymentLogs
{
    /// <summary>Finds the pods (a failure here is thrown, before anything is streamed), then streams their lines merged.</summary>
    Task<IAsyncEnumerable<LogLine>> OpenAsync(DeploymentLogSource source, LogWindow window, CancellationToken cancellationToken);
}

/// <summary>The cluster cannot be reached, or is overloaded (5xx, 429, a timeout): try again later.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The cluster refused a request. <see cref="Rejected"/>: the request itself is wrong, so sending it again cannot
/// succeed. <see cref="HealsOnRetry"/>: a missing namespace or a conflict that the next attempt resolves.
/// <see cref="ClusterMessage"/> is the API server's own message.
/// </summary>
public sealed class ClusterRefusedException(string message, string clusterMessage, bool rejected, bool healsOnRetry, Exception? inner = null)
    : Exception(message, inner)
{
    public string ClusterMessage { get; } = clusterMessage;
    public bool Rejected { get; } = rejected;
    public bool HealsOnRetry { get; } = healsOnRetry;
}

/// <summary>
/// The namespace the deployment belongs in exists and is labelled with another organization (made by hand, or a
/// KUBERNETES_NAMESPACE that does not name one namespace per team). The message, shown on the deployment, does
/// not name the other organization; the log line does.
/// </summary>
public sealed class NamespaceOfAnotherOrganizationException(string ns)
    : Exception($"namespace {ns} belongs to another organization; the platform's operators must free it or change KUBERNETES_NAMESPACE");

/// <summary>
/// A deployment (or a template) that would render to more than the platform renders: HTTP 422 with the limit's
/// <see cref="Domain.Common.DomainException.Code"/> (<c>render.file_too_large</c>, <c>render.too_large</c>) and the
/// request field it concerns.
/// </summary>
public sealed class RenderLimitException(string code, string field, string message) : Domain.Common.DomainException(code, message)
{
    public string Field { get; } = field;

    public static RenderLimitException For(RenderLimitProblem problem, string field) => new(problem.Code, field, problem.Message);
}

/// <summary>Where a deployment's workloads are: its namespace and instance (the <c>app.kubernetes.io/instance</c> label).</summary>
public sealed record DeploymentWorkloads(string Namespace, string Instance);

/// <summary>
/// One look at a deployment's services. <see cref="PodMetricsAvailable"/> is false when the cluster has no metrics
/// server (or it does not answer): then every CPU and memory figure is null.
/// </summary>
public sealed record DeploymentMetricsSample(DateTimeOffset At, bool PodMetricsAvailable, IReadOnlyList<ServiceMetrics> Services);

/// <summary>
/// A service: replicas its Deployment asks for and has ready, container restarts of its pods, and the sum of their
/// CPU (millicores) and memory (bytes) usage.
/// </summary>
public sealed record ServiceMetrics(string Service, int DesiredReplicas, int ReadyReplicas, int Restarts, double? CpuMillicores, long? MemoryBytes, IReadOnlyList<PodMetrics> Pods);

public sealed record PodMetrics(string Pod, bool Ready, int Restarts, double? CpuMillicores, long? MemoryBytes);

/// <summary>The replicas, restarts and resource usage of a deployment's services, as the cluster reports them now.</summary>
public interface IDeploymentMetrics
{
    /// <summary>One sample. A failure of the cluster is thrown; a missing metrics server is not a failure.</summary>
    Task<DeploymentMetricsSample> SampleAsync(DeploymentWorkloads workloads, CancellationToken cancellationToken);
}
