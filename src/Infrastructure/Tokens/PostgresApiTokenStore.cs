using CleanScheduler.Application.Features.Tokens;
using CleanScheduler.Domain.Common;
using Npgsql;
using NpgsqlTypes;

namespace CleanScheduler.Infrastructure.Tokens;

/// <summary>API tokens in the <c>api_tokens</c> table (migration 0013); the secret's SHA-256 is the lookup key.</summary>
public sealed class PostgresApiTokenStore(NpgsqlDataSource dataSource) : IApiTokenStore
{
    private const string Columns = "t.id, t.user_id, t.client_id, t.name, t.scope, t.organization_id, t.prefix, t.created_at, t.expires_at, t.last_used_at";

    public async Task AddAsync(ApiToken token, string secretHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO api_tokens (id, user_id, client_id, name, scope, organization_id, secret_hash, prefix, created_at, expires_at) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        command.Parameters.AddWithValue(token.Id);
        command.Parameters.AddWithValue(token.User.Value);
        command.Parameters.Add(Uuid(token.Client?.Value));
        command.Parameters.AddWithValue(token.Name);
        command.Parameters.AddWithValue(token.Scope.ToCode());
        command.Parameters.Add(Uuid(token.Organization?.Value));
        command.Parameters.AddWithValue(secretHash);
        command.Parameters.AddWithValue(token.Prefix);
        command.Parameters.AddWithValue(token.CreatedAt);
        command.Parameters.AddWithValue(token.ExpiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(UserId user, ClientId? client, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM api_tokens t WHERE t.user_id = $1 AND t.client_id IS NOT DISTINCT FROM $2 ORDER BY t.created_at DESC, t.id DESC");
        command.Parameters.AddWithValue(user.Value);
        command.Parameters.Add(Uuid(client?.Value));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tokens = new List<ApiToken>();
        while (await reader.ReadAsync(cancellationToken)) tokens.Add(Read(reader));
        return tokens;
    }

    public async Task<int> CountAsync(UserId user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM api_tokens WHERE user_id = $1");
        command.Parameters.AddWithValue(user.Value);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> DeleteAsync(Guid id, UserId user, ClientId? client, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2 AND client_id IS NOT DISTINCT FROM $3");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(user.Value);
        command.Parameters.Add(Uuid(client?.Value));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<ApiTokenMatch?> FindAsync(string secretHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns}, u.email FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1 AND t.expires_at > $2");
        command.Parameters.AddWithValue(secretHash);
        command.Parameters.AddWithValue(now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new ApiTokenMatch(Read(reader), reader.GetString(10)) : null;
    }

    public async Task TouchAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(now - ApiTokenSecrets.LastUsedPrecision);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ApiToken Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), new UserId(reader.GetGuid(1)), reader.IsDBNull(2) ? null : new ClientId(reader.GetGuid(2)), reader.GetString(3),
        ApiTokenScopes.TryParse(reader.GetString(4), out var scope) ? scope : throw new InvalidOperationException($"Unknown token scope '{reader.GetString(4)}'."),
        reader.IsDBNull(5) ? null : new OrganizationId(reader.GetGuid(5)), reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9));

    private static NpgsqlParameter Uuid(Guid? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };
}
