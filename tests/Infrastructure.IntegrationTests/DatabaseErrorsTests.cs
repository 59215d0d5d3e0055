using System.Net.Sockets;
using CleanScheduler.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests;

public sealed class DatabaseErrorsTests
{
    [Fact]
    public void A_refused_connection_is_an_outage_also_when_wrapped()
    {
        var refused = new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused));

        Assert.True(DatabaseErrors.IsUnavailable(refused));
        Assert.True(DatabaseErrors.IsUnavailable(new DbUpdateException("save failed", refused)));
    }

    [Fact]
    public void Bugs_and_refusals_by_the_database_are_not_outages()
    {
        Assert.False(DatabaseErrors.IsUnavailable(new InvalidOperationException("bug")));
        Assert.False(DatabaseErrors.IsUnavailable(new DbUpdateException("save failed", new NpgsqlException("syntax error"))));
    }

    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure)]
    [InlineData(PostgresErrorCodes.DeadlockDetected)]
    public void A_serialization_failure_or_a_deadlock_is_a_lost_race_not_an_outage(string sqlState)
    {
        var aborted = new PostgresException("aborted for a concurrent transaction", "ERROR", "ERROR", sqlState);

        Assert.True(DatabaseErrors.IsWriteConflict(aborted));
        Assert.False(DatabaseErrors.IsUnavailable(new DbUpdateException("save failed", aborted)));
        Assert.False(DatabaseErrors.IsWriteConflict(new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)));
    }

    [Fact]
    public async Task A_closed_port_is_an_outage()
    {
        await using var source = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Timeout=2");

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await source.OpenConnectionAsync());

        Assert.True(DatabaseErrors.IsUnavailable(error));
    }
}
