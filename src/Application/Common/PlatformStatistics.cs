using CleanScheduler.Domain.Deployments;

namespace CleanScheduler.Application.Common;

/// <summary>Rows waiting in an outbox: how many, and how long the oldest has waited (zero when none).</summary>
public sealed record OutboxBacklog(long Depth, TimeSpan OldestAge);

/// <summary>The platform-wide counts the server's metrics report: read on a scrape, never per request.</summary>
public sealed record PlatformStatistics(IReadOnlyDictionary<DeploymentPhase, long> DeploymentsByPhase, OutboxBacklog ClusterOutbox, OutboxBacklog MailOutbox);

/// <summary>Reads <see cref="PlatformStatistics"/> from the database in one round trip (aggregates over indexed tables).</summary>
public interface IPlatformStatisticsReader
{
    Task<PlatformStatistics> ReadAsync(CancellationToken cancellationToken);
}
