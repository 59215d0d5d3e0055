using System.Security.Cryptography;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Common;
using Npgsql;

namespace CleanScheduler.Infrastructure.Secrets;

/// <summary>
/// Key rotation, step 2 (<c>secrets reencrypt</c>): every row of <c>secret_values</c>, <c>deployment_secret_values</c> and
/// <c>mail_outbox</c> (mail not sent yet) not under the current SECRETS_ENCRYPTION_KEY is decrypted (with a SECRETS_ENCRYPTION_KEY_PREVIOUS key) and encrypted
/// again under the current one, in batches, each batch one transaction with its rows locked. Idempotent: a second run
/// finds nothing to do. A row under a key that is configured nowhere stops the run with the row and key named.
/// </summary>
public sealed class SecretsReencryption(NpgsqlDataSource dataSource, AesGcmSecretCipher cipher)
{
    private const int Batch = 200;

    public sealed record Outcome(int SecretValues, int DeploymentSecretValues, int QueuedMails, string KeyId);

    public async Task<Outcome> RunAsync(CancellationToken cancellationToken)
    {
        var secretValues = await ReencryptAsync(
            "SELECT path, key, ciphertext, key_id FROM secret_values WHERE key_id <> @current ORDER BY path, key LIMIT @batch FOR UPDATE",
            row => $"secret_values ({row.GetString(0)}, {row.GetString(1)})",
            row => SecretScope.CipherContext(row.GetString(0), row.GetString(1)),
            "UPDATE secret_values SET ciphertext = @ciphertext, key_id = @keyId WHERE path = @a AND key = @b",
            cancellationToken);
        var deploymentValues = await ReencryptAsync(
            "SELECT s.deployment_id, s.name, s.ciphertext, s.key_id, d.organization_id, d.team_id, d.name FROM deployment_secret_values s " +
            "JOIN deployments d ON d.id = s.deployment_id WHERE s.key_id <> @current ORDER BY s.deployment_id, s.name LIMIT @batch FOR UPDATE OF s",
            row => $"deployment_secret_values ({row.GetGuid(0)}, {row.GetString(1)})",
            row => DeploymentReads.SecretContext(new OrganizationId(row.GetGuid(4)), new TeamId(row.GetGuid(5)), row.GetString(6), row.GetString(1)),
            "UPDATE deployment_secret_values SET ciphertext = @ciphertext, key_id = @keyId WHERE deployment_id = @a AND name = @b",
            cancellationToken);
        var mails = await ReencryptAsync(
            "SELECT id, recipient, content, key_id FROM mail_outbox WHERE key_id <> @current ORDER BY id LIMIT @batch FOR UPDATE",
            row => $"mail_outbox ({row.GetGuid(0)})",
            row => OutboxMailRow.ContentContext(row.GetGuid(0)),
            "UPDATE mail_outbox SET content = @ciphertext, key_id = @keyId WHERE id = @a AND recipient = @b",
            cancellationToken);
        return new Outcome(secretValues, deploymentValues, mails, cipher.KeyId);
    }

    private async Task<int> ReencryptAsync(string select, Func<NpgsqlDataReader, string> describe, Func<NpgsqlDataReader, string> context, string update,
        CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var rows = new List<(object A, string B, byte[] Ciphertext, string KeyId)>();
            await using (var command = new NpgsqlCommand(select, connection, transaction))
            {
                command.Parameters.AddWithValue("current", cipher.KeyId);
                command.Parameters.AddWithValue("batch", Batch);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var associated = context(reader);
                    string plaintext;
                    try
                    {
                        plaintext = cipher.Decrypt(reader.GetFieldValue<byte[]>(2), reader.GetString(3), associated);
                    }
                    catch (CryptographicException e)
                    {
                        throw new CryptographicException($"Cannot re-encrypt {describe(reader)}: {e.Message}", e);
                    }
                    var (ciphertext, keyId) = cipher.Encrypt(plaintext, associated);
                    rows.Add((reader.GetValue(0), reader.GetString(1), ciphertext, keyId));
                }
            }
            if (rows.Count == 0) return total;
            foreach (var row in rows)
            {
                await using var command = new NpgsqlCommand(update, connection, transaction);
                command.Parameters.AddWithValue("ciphertext", row.Ciphertext);
                command.Parameters.AddWithValue("keyId", row.KeyId);
                command.Parameters.AddWithValue("a", row.A);
                command.Parameters.AddWithValue("b", row.B);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            total += rows.Count;
        }
    }
}
