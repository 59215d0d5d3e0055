using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>Why an outbox row could not be published (the <c>kind</c> of <see cref="ClusterSyncMetrics"/>' error counter).</summary>
public enum ClusterSyncErrorKind
{
    /// <summary>The API server could not be reached or answered 5xx / 429: the whole pass stops and every row waits.</summary>
    Unavailable,
    /// <summary>The API server said the request itself is wrong (<c>KubeApiException.RequestRejected</c>): the row is parked.</summary>
    Rejected,
    /// <summary>Another answer of the API server (403, 404, 409, ...): the row backs off and is retried.</summary>
    Refused,
    /// <summary>A stored secret value could not be decrypted (key missing or ciphertext damaged): the row backs off.</summary>
    SecretUnreadable,
    /// <summary>Anything else on one row (a bug, missing data): the row backs off.</summary>
    Internal,
}

/// <summary>
/// The cluster sync's error counts by kind, as a System.Diagnostics.Metrics counter
/// (<c>cleanscheduler.cluster_sync.errors</c>, tag <c>kind</c>) for an exporter, and readable here for tests and health pages.
/// </summary>
public sealed class ClusterSyncMetrics : IDisposable
{
    public const string MeterName = "CleanScheduler.ClusterSync";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _errors;
    private readonly ConcurrentDictionary<ClusterSyncErrorKind, long> _counts = new();

    public ClusterSyncMetrics() =>
        _errors = _meter.CreateCounter<long>("cleanscheduler.cluster_sync.errors", unit: "{error}", description: "Outbox rows the cluster sync could not publish, by kind");

    public void Error(ClusterSyncErrorKind kind, int rows = 1)
    {
        _counts.AddOrUpdate(kind, rows, (_, count) => count + rows);
        _errors.Add(rows, new KeyValuePair<string, object?>("kind", Code(kind)));
    }

    public long Errors(ClusterSyncErrorKind kind) => _counts.GetValueOrDefault(kind);

    public static string Code(ClusterSyncErrorKind kind) => kind switch
    {
        ClusterSyncErrorKind.Unavailable => "unavailable",
        ClusterSyncErrorKind.Rejected => "rejected",
        ClusterSyncErrorKind.Refused => "refused",
        ClusterSyncErrorKind.SecretUnreadable => "secret_unreadable",
        _ => "internal",
    };

    public void Dispose() => _meter.Dispose();
}
