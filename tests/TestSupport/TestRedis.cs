using System.Text;
using StackExchange.Redis;
using Xunit;

namespace CleanScheduler.TestSupport;

/// <summary>
/// The real Redis server the test command starts (scripts/test.sh exports CLEANSCHEDULER_TEST_REDIS=host:port), shared
/// by a test class through one connection. Tests isolate themselves by key prefix.
/// </summary>
public sealed class TestRedis : IAsyncLifetime
{
    public const string Variable = "CLEANSCHEDULER_TEST_REDIS";
    private ConnectionMultiplexer? _connection;

    public static string Address => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } address
        ? address
        : throw new InvalidOperationException(
            $"{Variable} is not set: run the tests with scripts/test.sh, which starts redis-server and sets it " +
            "(or start one yourself: redis-server --port 6390 --save '' --appendonly no, then CLEANSCHEDULER_TEST_REDIS=127.0.0.1:6390).");

    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(Address);

    /// <summary>Every key under <paramref name="prefix"/> with its value (hash fields, sorted set members), as text.</summary>
    public async Task<string> DumpAsync(string prefix)
    {
        var db = Connection.GetDatabase();
        var text = new StringBuilder();
        foreach (var server in Connection.GetServers())
            await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
            {
                text.Append(key).Append(" =");
                var type = await db.KeyTypeAsync(key);
                if (type == RedisType.Hash) foreach (var entry in await db.HashGetAllAsync(key)) text.Append(' ').Append(entry.Name).Append('=').Append(entry.Value);
                else if (type == RedisType.SortedSet) foreach (var entry in await db.SortedSetRangeByRankWithScoresAsync(key)) text.Append(' ').Append(entry.Element);
                else text.Append(" (").Append(type).Append(')');
                text.AppendLine();
            }
        return text.ToString();
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
