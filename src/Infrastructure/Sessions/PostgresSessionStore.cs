using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using Npgsql;

namespace CleanScheduler.Infrastructure.Sessions;

/// <summary>SESSION_BACKEND=postgres: sessions in the <c>sessions</c> table, shared by every server replica.</summary>
public sealed class PostgresSessionStore(NpgsqlDataSource dataSource, SessionIdleTimeout idle) : ISessionStore
{
    /// <summary>Live at $now: before the absolute expiry and used within the idle timeout.</summary>
    private const string Live = "expires_at > @now AND last_seen_at > @now - @idle";
    private const string OfUserOnClient = "user_id = @user AND client_id IS NOT DISTINCT FROM @client";

    public async Task<Session> CreateAsync(UserId user, string email, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken,
        ClientId? client = null, SessionDevice? device = null)
    {
        var session = new Session(SessionIds.New(), user, email, client, now, now, now + lifetime, device ?? SessionDevice.Unknown);
        await using var command = Command(
            "INSERT INTO sessions (id_hash, user_id, email, created_at, last_seen_at, expires_at, client_id, user_agent, ip) " +
            "VALUES (@handle, @user, @email, @now, @now, @expires, @client, @agent, @ip)",
            ("handle", session.Handle), ("user", user.Value), ("email", email), ("now", now), ("expires", session.ExpiresAt), ("client", Client(client)),
            ("agent", (object?)session.Device.UserAgent ?? DBNull.Value), ("ip", (object?)session.Device.Ip ?? DBNull.Value));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return session;
    }

    public async Task<Session?> GetAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var handle = SessionIds.Hash(id);
        Session session;
        await using (var command = Command(
            $"SELECT user_id, email, client_id, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions WHERE id_hash = @handle AND {Live}",
            ("handle", handle), ("now", now), ("idle", idle.Value)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) return null;
            session = new Session(id, new UserId(reader.GetGuid(0)), reader.GetString(1), reader.IsDBNull(2) ? null : new ClientId(reader.GetGuid(2)),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5),
                new SessionDevice(reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        if (!SessionIdleTimeout.IsTouchDue(session.LastSeenAt, now)) return session;
        await using var touch = Command("UPDATE sessions SET last_seen_at = @now WHERE id_hash = @handle AND last_seen_at < @now", ("handle", handle), ("now", now));
        await touch.ExecuteNonQueryAsync(cancellationToken);
        return session with { LastSeenAt = now };
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = Command("DELETE FROM sessions WHERE id_hash = @handle", ("handle", SessionIds.Hash(id)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<SessionInfo>> ListAsync(UserId user, ClientId? client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(
            $"SELECT id_hash, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions WHERE {OfUserOnClient} AND {Live} ORDER BY created_at DESC",
            ("user", user.Value), ("client", Client(client)), ("now", now), ("idle", idle.Value));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<SessionInfo>();
        while (await reader.ReadAsync(cancellationToken))
            sessions.Add(new SessionInfo(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        return sessions;
    }

    public async Task<bool> RevokeAsync(UserId user, ClientId? client, string handle, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command($"DELETE FROM sessions WHERE id_hash = @handle AND {OfUserOnClient} AND {Live}",
            ("handle", handle), ("user", user.Value), ("client", Client(client)), ("now", now), ("idle", idle.Value));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<int> RevokeOthersAsync(UserId user, ClientId? client, string keepHandle, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command($"DELETE FROM sessions WHERE id_hash <> @handle AND {OfUserOnClient} AND {Live}",
            ("handle", keepHandle), ("user", user.Value), ("client", Client(client)), ("now", now), ("idle", idle.Value));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command("DELETE FROM sessions WHERE expires_at <= @now OR last_seen_at <= @now - @idle", ("now", now), ("idle", idle.Value));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountLiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT count(*) FROM sessions WHERE {Live}", ("now", now), ("idle", idle.Value));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private NpgsqlCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value));
        return command;
    }

    private static object Client(ClientId? client) => (object?)client?.Value ?? DBNull.Value;
}
