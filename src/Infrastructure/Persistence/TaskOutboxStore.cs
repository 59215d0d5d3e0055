using CleanScheduler.Application.Features.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// <see cref="ITaskOutbox"/> on the tasks table (migration 0018): a row is pending while published_revision &lt; revision;
/// a claim leases due rows with <c>FOR UPDATE SKIP LOCKED</c>, so servers share the work.
/// </summary>
public sealed class TaskOutboxStore(NpgsqlDataSource dataSource) : ITaskOutbox
{
    public async Task<IReadOnlyList<TaskOutboxItem>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE tasks SET sync_attempts = sync_attempts + 1, next_sync_at = now() + $2
            WHERE id IN (SELECT id FROM tasks WHERE published_revision < revision AND next_sync_at <= now()
                         ORDER BY next_sync_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id, revision, sync_attempts, created_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        command.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        var items = new List<(TaskOutboxItem Item, DateTime CreatedAt)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            items.Add((new TaskOutboxItem(reader.GetGuid(0), reader.GetInt64(1), reader.GetInt32(2)), reader.GetDateTime(3)));
        return items.OrderBy(i => i.CreatedAt).Select(i => i.Item).ToList();
    }

    public async Task CompleteAsync(Guid task, long revision, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE tasks SET published_revision = $2, sync_attempts = 0, next_sync_at = now(), last_sync_error = NULL
            WHERE id = $1 AND published_revision < $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = task });
        command.Parameters.Add(new NpgsqlParameter { Value = revision });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RetryLaterAsync(Guid task, TimeSpan delay, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE tasks SET next_sync_at = now() + $2, last_sync_error = $3 WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = task });
        command.Parameters.Add(new NpgsqlParameter { Value = delay, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = error.Length > 1000 ? error[..1000] : error });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
