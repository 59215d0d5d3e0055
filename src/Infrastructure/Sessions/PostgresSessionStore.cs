using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using Npgsql;

namespace CleanScheduler.Infrastructure.Sessions;

/// <summary>SESSION_BACKEND=postgres: sessions in the <c>sessions</c> table, shared by every server replica.</summary>
public sealed class PostgresSessionStore(NpgsqlDataSource dataSource) : ISessionStore
{
    public async Task<Session> CreateAsync(UserId user, string email, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken, ClientId? client = null)
    {
        var session = new Session(SessionIds.New(), user, email, now, now + lifetime, client);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO sessions (id_hash, user_id, email, created_at, expires_at, client_id) VALUES ($1, $2, $3, $4, $5, $6)");
        command.Parameters.AddWithValue(SessionIds.Hash(session.Id));
        command.Parameters.AddWithValue(user.Value);
        command.Parameters.AddWithValue(email);
        command.Parameters.AddWithValue(session.CreatedAt);
        command.Parameters.AddWithValue(session.ExpiresAt);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)client?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return session;
    }

    public async Task<Session?> GetAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT user_id, email, created_at, expires_at, client_id FROM sessions WHERE id_hash = $1 AND expires_at > $2");
        command.Parameters.AddWithValue(SessionIds.Hash(id));
        command.Parameters.AddWithValue(now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new Session(id, new UserId(reader.GetGuid(0)), reader.GetString(1),
            reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : new ClientId(reader.GetGuid(4)));
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM sessions WHERE id_hash = $1");
        command.Parameters.AddWithValue(SessionIds.Hash(id));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM sessions WHERE expires_at <= $1");
        command.Parameters.AddWithValue(now);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
