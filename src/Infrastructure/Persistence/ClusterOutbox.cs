using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using Npgsql;
using NpgsqlTypes;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>A row of <c>cluster_outbox</c> (migration 0007), as written with the change it describes.</summary>
public sealed class ClusterOutboxRow
{
    private ClusterOutboxRow() { }

    public ClusterOutboxRow(Guid deploymentId, string operation, string @namespace, string name, DateTimeOffset at) =>
        (DeploymentId, Operation, Namespace, Name, CreatedAt, NextAttemptAt) = (deploymentId, operation, @namespace, name, at, at);

    public long Seq { get; private set; }
    public Guid DeploymentId { get; private set; }
    public string Operation { get; private set; } = null!;
    public string Namespace { get; private set; } = null!;
    public string Name { get; private set; } = null!;
    public DateTimeOffset CreatedAt { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    public string? LastError { get; private set; }
}

/// <summary>
/// Turns the deployment events of a unit of work into outbox rows (KUBERNETES_ENABLED=true only): one row per changed
/// deployment, <c>delete</c> when it was deleted, else <c>apply</c>. After the commit, wakes the sync.
/// </summary>
public sealed class ClusterOutboxWriter(DeploymentOptions options, ClusterSyncSignal signal)
{
    public IEnumerable<ClusterOutboxRow> RowsFor(IEnumerable<IHasDomainEvents> changed)
    {
        foreach (var deployment in changed.OfType<Deployment>())
        {
            var events = deployment.DomainEvents;
            if (events.Count == 0) continue;
            var deleted = events.Any(e => e is DeploymentDeleted);
            yield return new ClusterOutboxRow(deployment.Id.Value, deleted ? "delete" : "apply", options.NamespaceFor(deployment.TeamId),
                deployment.Name, events.Max(e => e.OccurredAt));
        }
    }

    public void Committed() => signal.Notify();
}

/// <summary>
/// <see cref="IClusterOutbox"/> on PostgreSQL: claims lease rows with <c>FOR UPDATE SKIP LOCKED</c>, so servers share the work.
/// A parked row (refused for good) has next_attempt_at 'infinity': it is never due, and it still counts as pending.
/// </summary>
public sealed class ClusterOutboxStore(NpgsqlDataSource dataSource) : IClusterOutbox
{
    public async Task<IReadOnlyList<ClusterOutboxItem>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE cluster_outbox SET attempts = attempts + 1, next_attempt_at = now() + $2
            WHERE seq IN (SELECT seq FROM cluster_outbox WHERE next_attempt_at <= now() ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING seq, deployment_id, operation, namespace, name, attempts
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        command.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        var items = new List<ClusterOutboxItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            items.Add(new ClusterOutboxItem(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2) == "delete" ? ClusterOperation.Delete : ClusterOperation.Apply,
                reader.GetString(3), reader.GetString(4), reader.GetInt32(5)));
        return items.OrderBy(i => i.Seq).ToList();
    }

    /// <summary>Removes the rows, and the older parked rows of the same deployments (superseded by the change just published).</summary>
    public async Task CompleteAsync(IReadOnlyCollection<long> seqs, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM cluster_outbox old
            WHERE old.seq = ANY($1)
               OR (old.next_attempt_at = 'infinity'
                   AND EXISTS (SELECT 1 FROM cluster_outbox done WHERE done.seq = ANY($1) AND done.deployment_id = old.deployment_id AND done.seq > old.seq))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = seqs.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Parks rows: next_attempt_at 'infinity', so no claim takes them again until a newer row of the deployment supersedes them.</summary>
    public async Task ParkAsync(IReadOnlyCollection<long> seqs, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE cluster_outbox SET next_attempt_at = 'infinity', last_error = $2 WHERE seq = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = seqs.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = error.Length > 1000 ? error[..1000] : error });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RetryLaterAsync(IReadOnlyCollection<long> seqs, TimeSpan delay, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE cluster_outbox SET next_attempt_at = now() + $2, last_error = $3 WHERE seq = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = seqs.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = delay, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = error.Length > 1000 ? error[..1000] : error });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task EnqueueApplyAsync(Guid deployment, string @namespace, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO cluster_outbox (deployment_id, operation, namespace, name, created_at, next_attempt_at)
            VALUES ($1, 'apply', $2, $3, now(), now())
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deployment });
        command.Parameters.Add(new NpgsqlParameter { Value = @namespace });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> HasNewerAsync(Guid deployment, long seq, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM cluster_outbox WHERE deployment_id = $1 AND seq > $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = deployment });
        command.Parameters.Add(new NpgsqlParameter { Value = seq });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> HasPendingAsync(Guid deployment, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM cluster_outbox WHERE deployment_id = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = deployment });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
