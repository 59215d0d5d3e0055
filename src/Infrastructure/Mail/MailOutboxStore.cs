using CleanScheduler.Application.Common;
using Npgsql;
using NpgsqlTypes;

namespace CleanScheduler.Infrastructure.Mail;

/// <summary>
/// <see cref="IMailOutbox"/> on PostgreSQL (<c>mail_outbox</c>, migration 0014): claims lease due rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, as the cluster outbox does, so servers share the work and never take the same row.
/// Sent and failed rows keep their recipient and times, not their content; the invitation's mail status and the audit
/// log follow in the same statement. Times are the servers' clock (<see cref="TimeProvider"/>), as when the rows were queued.
/// </summary>
public sealed class MailOutboxStore(NpgsqlDataSource dataSource, ISecretCipher cipher, TimeProvider clock) : IMailOutbox
{
    public async Task<IReadOnlyList<OutboxMail>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $3 + $2
            WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3
                         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id, content, key_id, attempts, give_up_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        command.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        var rows = new List<(Guid Id, byte[] Content, string KeyId, int Attempts, DateTimeOffset GiveUpAt)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((reader.GetGuid(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4)));
        return rows.Select(r => new OutboxMail(r.Id, () => OutboxMailRow.Read(r.Content, r.KeyId, r.Id, cipher), r.Attempts, r.GiveUpAt)).ToList();
    }

    public Task MarkSentAsync(Guid id, CancellationToken cancellationToken) =>
        FinishAsync(id, "sent_at = $6, last_error = NULL", "sent", "invitation.mail_sent", null, cancellationToken);

    public Task GiveUpAsync(Guid id, string error, CancellationToken cancellationToken) =>
        FinishAsync(id, "failed_at = $6, last_error = $3", "failed", "invitation.mail_failed", error, cancellationToken);

    public async Task RetryLaterAsync(Guid id, TimeSpan delay, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE mail_outbox SET next_attempt_at = $4 + $2, last_error = $3 WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = delay, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = Truncate(error) });
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Ends a row (content cleared), sets its invitation's mail status and records that in the audit log, in one statement.</summary>
    private async Task FinishAsync(Guid id, string set, string mailStatus, string action, string? error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH done AS (
                UPDATE mail_outbox SET {set}, content = NULL, key_id = NULL
                WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL RETURNING invitation_id),
            invitation AS (
                UPDATE invitations i SET mail_status = $4 FROM done WHERE i.id = done.invitation_id
                RETURNING i.id, i.organization_id, i.email)
            INSERT INTO audit_entries (id, occurred_at, organization_id, actor_id, actor_email, action, resource_type, resource_id, details)
            SELECT $2, $6, organization_id, NULL, NULL, $5, 'invitation', id, jsonb_build_object('email', email) FROM invitation
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter { Value = Truncate(error ?? ""), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = mailStatus });
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Truncate(string text) => text.Length > 1000 ? text[..1000] : text;
}
