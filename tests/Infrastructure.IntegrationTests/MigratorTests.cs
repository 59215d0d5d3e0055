using CleanScheduler.Infrastructure.Persistence;
using CleanScheduler.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using System.Data;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests;

public sealed class MigratorTests : IAsyncLifetime
{
    private string _database = "";
    private NpgsqlDataSource _source = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateEmptyAsync("migrator");
        _source = NpgsqlDataSource.Create(TestPostgres.ConnectionStringFor(_database));
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await TestPostgres.DropAsync(_database);
    }

    private DatabaseMigrator Migrator() => new(_source, NullLogger<DatabaseMigrator>.Instance);

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = _source.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_empty_database_gets_every_migration_and_a_second_run_does_nothing()
    {
        var first = await Migrator().MigrateAsync(CancellationToken.None);
        var second = await Migrator().MigrateAsync(CancellationToken.None);

        Assert.Equal(DatabaseMigrator.Embedded.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM information_schema.tables WHERE table_name = 'organizations'"));
    }

    [Fact]
    public async Task Servers_starting_together_migrate_once_thanks_to_the_advisory_lock()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Migrator().MigrateAsync(CancellationToken.None))));

        Assert.Single(runs, applied => applied.Count > 0);
        Assert.Equal(DatabaseMigrator.Embedded.Count, await ScalarAsync("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_stops_the_start()
    {
        await Migrator().MigrateAsync(CancellationToken.None);
        await ScalarAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0001'");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator().MigrateAsync(CancellationToken.None));

        Assert.Contains("0001", error.Message);
    }

    [Fact]
    public async Task No_migration_lock_stays_on_a_pooled_connection_the_pool_does_not_reset()
    {
        // The server's pool does not reset connections (No Reset On Close). With one connection in the pool, the migrator
        // gets the one an interrupted earlier use left holding a session-level advisory lock (granted, never released).
        await using var serverPool = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(
            DependencyInjection.WithConnectionDefaults(TestPostgres.ConnectionStringFor(_database))) { MaxPoolSize = 1 }.ConnectionString);
        await using (var earlier = await serverPool.OpenConnectionAsync())
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock(42)", earlier))
            await command.ExecuteNonQueryAsync();

        await new DatabaseMigrator(serverPool, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await ScalarAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0001'");
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => new DatabaseMigrator(serverPool, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));

        Assert.Equal(0, await ScalarAsync(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
        await using var again = await serverPool.OpenConnectionAsync();   // the pooled connection is still usable
        Assert.Equal(ConnectionState.Open, again.State);
    }

    [Fact]
    public void Migrations_are_embedded_in_version_order()
    {
        Assert.NotEmpty(DatabaseMigrator.Embedded);
        Assert.Equal(DatabaseMigrator.Embedded.Select(m => m.Version).Order(StringComparer.Ordinal), DatabaseMigrator.Embedded.Select(m => m.Version));
        Assert.All(DatabaseMigrator.Embedded, m => Assert.Matches("^[0-9]{4}$", m.Version));
    }
}
