using CleanScheduler.Application.Common;
using Npgsql;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>
/// SECRETS_BACKEND=database: one row of <c>secret_values</c> per scope and key, the value encrypted by the cipher with
/// <see cref="SecretScope.CipherContext"/> as associated data (a row copied to another scope or key does not decrypt).
/// </summary>
public sealed class DatabaseSecretValueStore(NpgsqlDataSource dataSource, AesGcmSecretCipher cipher) : ISecretValueStore
{
    public string Backend => "database";

    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT key, ciphertext, key_id FROM secret_values WHERE path = @path", ("path", scope.Path));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            values[key] = cipher.Decrypt(reader.GetFieldValue<byte[]>(1), reader.GetString(2), scope.CipherContext(key));
        }
        return values;
    }

    public async Task WriteAsync(SecretScope scope, string key, string value, CancellationToken cancellationToken)
    {
        var (ciphertext, keyId) = cipher.Encrypt(value, scope.CipherContext(key));
        await using var command = Command(
            "INSERT INTO secret_values (path, key, ciphertext, key_id, updated_at) VALUES (@path, @key, @ciphertext, @keyId, now()) " +
            "ON CONFLICT (path, key) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = excluded.updated_at",
            ("path", scope.Path), ("key", key), ("ciphertext", ciphertext), ("keyId", keyId));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteAsync(SecretScope scope, string key, CancellationToken cancellationToken)
    {
        await using var command = Command("DELETE FROM secret_values WHERE path = @path AND key = @key", ("path", scope.Path), ("key", key));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteScopeAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        await using var command = Command("DELETE FROM secret_values WHERE path = @path", ("path", scope.Path));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Nothing beyond the database, which /readyz checks itself.</summary>
    public Task CheckAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private NpgsqlCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value));
        return command;
    }
}
