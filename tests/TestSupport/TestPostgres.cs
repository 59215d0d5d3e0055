using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Infrastructure.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Respawn;
using Xunit;

namespace CleanScheduler.TestSupport;

/// <summary>
/// The real PostgreSQL server the test command starts (scripts/test.sh exports CLEANSCHEDULER_TEST_PG). One template
/// database is migrated once per schema version; every test class gets its own clone of it
/// (<c>CREATE DATABASE x TEMPLATE y</c>), so classes never see each other's rows and nobody re-runs migrations.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "CLEANSCHEDULER_TEST_PG";
    private const long TemplateLockKey = 7_311_100_042;
    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    /// <summary>Connection string of the server's <c>postgres</c> database, without pooling (admin statements only).</summary>
    public static string ServerConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(value))
                throw new InvalidOperationException(
                    $"{Variable} is not set: run the tests with scripts/test.sh, which starts PostgreSQL and sets it " +
                    "(or point it at a server yourself: Host=127.0.0.1;Port=5432;Username=postgres).");
            return new NpgsqlConnectionStringBuilder(value) { Database = "postgres", Pooling = false }.ConnectionString;
        }
    }

    public static string ConnectionStringFor(string database, bool pooling = true) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, Pooling = pooling, MaxPoolSize = 60 }.ConnectionString;

    /// <summary>Creates a fresh database with the current schema; returns its name.</summary>
    public static async Task<string> CloneAsync(string purpose)
    {
        var template = await EnsureTemplateAsync();
        var name = $"t_{Sanitize(purpose)}_{Guid.NewGuid():N}";   // at most 55 characters
        await WithLockAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return name;
    }

    /// <summary>Creates an empty database (no schema), for migrator tests.</summary>
    public static async Task<string> CreateEmptyAsync(string purpose)
    {
        var name = $"e_{Sanitize(purpose)}_{Guid.NewGuid():N}";
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return name;
    }

    public static Task DropAsync(string database) => ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");

    private static async Task<string> EnsureTemplateAsync()
    {
        if (_template is not null) return _template;
        await TemplateGate.WaitAsync();
        try
        {
            if (_template is not null) return _template;
            var schema = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                string.Join("|", DatabaseMigrator.Embedded.Select(m => m.Version + m.Checksum)))))[..16];
            var template = $"template_{schema}";
            await using var connection = new NpgsqlConnection(ServerConnectionString);
            await connection.OpenAsync();
            await Scalar(connection, $"SELECT pg_advisory_lock({TemplateLockKey})");   // other test processes wait here
            try
            {
                var exists = await Scalar(connection, $"SELECT count(*) FROM pg_database WHERE datname = '{template}'");
                if (Convert.ToInt64(exists) == 0)
                {
                    var building = template + "_building";
                    await Scalar(connection, $"DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)");
                    await Scalar(connection, $"CREATE DATABASE \"{building}\"");
                    await using (var source = NpgsqlDataSource.Create(ConnectionStringFor(building, pooling: false)))
                        await new DatabaseMigrator(source, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
                    await Scalar(connection, $"ALTER DATABASE \"{building}\" RENAME TO \"{template}\"");
                }
            }
            finally
            {
                await Scalar(connection, $"SELECT pg_advisory_unlock({TemplateLockKey})");
            }
            return _template = template;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static async Task WithLockAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await Scalar(connection, $"SELECT pg_advisory_lock({TemplateLockKey})");
        try { await Scalar(connection, sql); }
        finally { await Scalar(connection, $"SELECT pg_advisory_unlock({TemplateLockKey})"); }
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await Scalar(connection, sql);
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static string Sanitize(string purpose) =>
        new string(purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(20).ToArray());
}

/// <summary>A database of this test class's own, cloned from the migrated template and dropped afterwards.</summary>
public class DatabaseFixture : IAsyncLifetime
{
    /// <summary>
    /// Rows the migrations insert (the plans) and the migrator's own record: a reset keeps them. Respawn empties PostgreSQL
    /// tables with TRUNCATE ... CASCADE, and a client's own plans reference it, so clients are kept too.
    /// </summary>
    private static readonly RespawnerOptions KeepMigrated = new()
    {
        DbAdapter = DbAdapter.Postgres,
        SchemasToInclude = ["public"],
        TablesToIgnore = ["plans", "clients", "schema_migrations"],
    };

    private string? _name;
    private Respawner? _respawner;

    public string ConnectionString { get; private set; } = "";
    public string Name => _name ?? throw new InvalidOperationException("InitializeAsync has not run.");

    public virtual async Task InitializeAsync()
    {
        _name = await TestPostgres.CloneAsync(GetType().Name);
        ConnectionString = TestPostgres.ConnectionStringFor(_name);
    }

    public virtual async Task DisposeAsync()
    {
        if (_name is not null) await TestPostgres.DropAsync(_name);
    }

    /// <summary>Empties the database back to what the migrations left, for a class whose tests each start from there.</summary>
    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        _respawner ??= await Respawner.CreateAsync(connection, KeepMigrated);
        await _respawner.ResetAsync(connection);
    }
}
