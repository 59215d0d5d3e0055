using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// Applies the embedded SQL migrations (<c>Migrations/NNNN_name.sql</c>) in order, each in its own transaction,
/// recording version and checksum in <c>schema_migrations</c>. A PostgreSQL advisory lock serializes servers that
/// start at the same time: the second waits, then finds nothing left to do.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    /// <summary>Advisory lock key: the first 8 bytes of SHA-256("cleanscheduler.schema_migrations").</summary>
    private static readonly long LockKey = BitConverter.ToInt64(SHA256.HashData("cleanscheduler.schema_migrations"u8));

    public sealed record Migration(string Version, string Name, string Sql, string Checksum);

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    /// <summary>Applies what is missing; returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", LockKey));
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     text        NOT NULL PRIMARY KEY,
                    name        text        NOT NULL,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var applied = await AppliedAsync(connection, cancellationToken);
            var done = new List<string>();
            foreach (var migration in Embedded)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        throw new InvalidOperationException(
                            $"Migration {migration.Version} ({migration.Name}) was changed after it was applied to this database; add a new migration instead.");
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, migration.Sql, cancellationToken);
                await ExecuteAsync(connection, "INSERT INTO schema_migrations (version, name, checksum) VALUES (@v, @n, @c)",
                    cancellationToken, ("v", migration.Version), ("n", migration.Name), ("c", migration.Checksum));
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
                done.Add(migration.Version);
            }
            return done;
        }
        finally
        {
            await ReleaseAsync(connection);
        }
    }

    /// <summary>
    /// Releases every session-level advisory lock of this session: the pool does not reset connections when they are
    /// taken again (No Reset On Close), so a lock left here would stay held by an idle pooled connection, and every
    /// other server would wait for it at start. All of them, not one: a lock granted to a query that was then cancelled,
    /// or taken twice on the same pooled connection by a retried start, counts too. If the release itself fails, the
    /// pool is cleared, so this connection is closed instead of pooled (closing the session releases its locks); the pool's
    /// other connections are closed too and opened anew when next needed (Npgsql clears a pool whole).
    /// </summary>
    private async Task ReleaseAsync(NpgsqlConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock_all()", CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            logger.LogWarning(e, "Could not release the migration lock; clearing the connection pool so that this connection is closed, not pooled");
            NpgsqlConnection.ClearPool(connection);
        }
    }

    private static async Task<Dictionary<string, string>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<string, string>();
        while (await reader.ReadAsync(cancellationToken)) applied[reader.GetString(0)] = reader.GetString(1);
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        const string prefix = "CleanScheduler.Infrastructure.Persistence.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[prefix.Length..^".sql".Length];
                var separator = file.IndexOf('_');
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var sql = reader.ReadToEnd();
                return new Migration(file[..separator], file[(separator + 1)..], sql,
                    Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n")))));
            })
            .OrderBy(m => m.Version, StringComparer.Ordinal)
            .ToList();
    }
}
