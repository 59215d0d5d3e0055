using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Infrastructure.Sessions;
using CleanScheduler.TestSupport;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>What every <see cref="ISessionStore"/> backend must do; each backend runs the same tests.</summary>
public abstract class SessionStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    protected abstract ISessionStore Store { get; }
    protected abstract Task<UserId> UserAsync();

    [Fact]
    public async Task A_created_session_is_found_by_its_id_until_it_expires()
    {
        var user = await UserAsync();
        var session = await Store.CreateAsync(user, "a@b.test", Now, TimeSpan.FromHours(1), CancellationToken.None);

        var found = await Store.GetAsync(session.Id, Now.AddMinutes(59), CancellationToken.None);
        var expired = await Store.GetAsync(session.Id, Now.AddHours(1), CancellationToken.None);

        Assert.Equal((user, "a@b.test", Now.AddHours(1)), (found!.UserId, found.Email, found.ExpiresAt));
        Assert.Null(expired);
        Assert.True(SessionIds.LooksValid(session.Id));
    }

    [Fact]
    public async Task Ids_are_unique_and_unguessable_ones_find_nothing()
    {
        var user = await UserAsync();
        var ids = new HashSet<string>();
        for (var i = 0; i < 20; i++) ids.Add((await Store.CreateAsync(user, "a@b.test", Now, TimeSpan.FromHours(1), CancellationToken.None)).Id);

        Assert.Equal(20, ids.Count);
        Assert.Null(await Store.GetAsync(SessionIds.New(), Now, CancellationToken.None));
    }

    [Fact]
    public async Task A_deleted_session_is_gone()
    {
        var session = await Store.CreateAsync(await UserAsync(), "a@b.test", Now, TimeSpan.FromHours(1), CancellationToken.None);

        await Store.DeleteAsync(session.Id, CancellationToken.None);
        await Store.DeleteAsync(session.Id, CancellationToken.None);   // deleting twice is fine

        Assert.Null(await Store.GetAsync(session.Id, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Cleanup_removes_expired_sessions_only()
    {
        var user = await UserAsync();
        var shortLived = await Store.CreateAsync(user, "a@b.test", Now, TimeSpan.FromMinutes(5), CancellationToken.None);
        var longLived = await Store.CreateAsync(user, "a@b.test", Now, TimeSpan.FromDays(1), CancellationToken.None);

        var removed = await Store.DeleteExpiredAsync(Now.AddHours(1), CancellationToken.None);

        Assert.True(removed >= 1);
        Assert.Null(await Store.GetAsync(shortLived.Id, Now, CancellationToken.None));
        Assert.NotNull(await Store.GetAsync(longLived.Id, Now, CancellationToken.None));
    }
}

public sealed class InMemorySessionStoreTests : SessionStoreContract
{
    protected override ISessionStore Store { get; } = new InMemorySessionStore();
    protected override Task<UserId> UserAsync() => Task.FromResult(UserId.New());
}

public sealed class PostgresSessionStoreTests(ServicesFixture db) : SessionStoreContract, IClassFixture<ServicesFixture>
{
    protected override ISessionStore Store => new PostgresSessionStore(db.Services.Services.GetService(typeof(NpgsqlDataSource)) as NpgsqlDataSource
        ?? throw new InvalidOperationException());

    protected override async Task<UserId> UserAsync() => (await db.Services.UserAsync($"s-{Guid.NewGuid():N}@sessions.test")).Id;

    [Fact]
    public async Task The_table_holds_a_hash_not_the_cookie_value()
    {
        var session = await Store.CreateAsync(await UserAsync(), "a@b.test", Now, TimeSpan.FromHours(1), CancellationToken.None);
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM sessions WHERE id_hash = $1", connection);
        command.Parameters.AddWithValue(session.Id);

        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }
}
