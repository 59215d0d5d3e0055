using System.Reflection;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Infrastructure.Sessions;
using CleanScheduler.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using StackExchange.Redis;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>What every <see cref="ISessionStore"/> backend must do; each backend runs the same tests on a fake clock.</summary>
public abstract class SessionStoreContract
{
    protected static readonly SessionIdleTimeout Idle = new(TimeSpan.FromHours(2));
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly ClientId? Platform = null;
    private static readonly SessionDevice Browser = SessionDevice.From("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "203.0.113.7");

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
    private DateTimeOffset Now => Clock.GetUtcNow();

    protected abstract ISessionStore Store { get; }
    protected abstract Task<UserId> UserAsync();

    /// <summary>Everything the backend holds (keys and values) as text, for checks on what is at rest.</summary>
    protected abstract Task<string> StoredTextAsync();

    private Task<Session> CreateAsync(UserId user, TimeSpan? lifetime = null, ClientId? client = null) =>
        Store.CreateAsync(user, "a@b.test", Now, lifetime ?? Day, CancellationToken.None, client, Browser);

    private Task<Session?> GetAsync(string id) => Store.GetAsync(id, Now, CancellationToken.None);

    private Task<IReadOnlyList<SessionInfo>> ListAsync(UserId user, ClientId? client = null) => Store.ListAsync(user, client, Now, CancellationToken.None);

    [Fact]
    public async Task A_created_session_is_found_by_its_id_with_what_it_was_created_with()
    {
        var user = await UserAsync();
        var client = new ClientId(Guid.NewGuid());
        var session = await CreateAsync(user, client: client);
        Clock.Advance(TimeSpan.FromSeconds(30));

        var found = await GetAsync(session.Id);

        Assert.True(SessionIds.LooksValid(session.Id));
        Assert.Equal(session, found);
        Assert.Equal((user, "a@b.test", client, Now.AddSeconds(-30), Now.AddSeconds(-30) + Day, Browser),
            (found!.UserId, found.Email, found.Client, found.CreatedAt, found.ExpiresAt, found.Device));
    }

    [Fact]
    public async Task Ids_are_unique_and_unguessable_ones_find_nothing()
    {
        var user = await UserAsync();
        var ids = new HashSet<string>();
        for (var i = 0; i < 20; i++) ids.Add((await CreateAsync(user)).Id);

        Assert.Equal(20, ids.Count);
        Assert.Null(await GetAsync(SessionIds.New()));
    }

    [Fact]
    public async Task A_session_in_use_ends_at_its_absolute_expiry()
    {
        var session = await CreateAsync(await UserAsync(), lifetime: TimeSpan.FromHours(3));
        for (var i = 0; i < 5; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(35));
            Assert.NotNull(await GetAsync(session.Id));   // used every 35 minutes: never idle
        }

        Clock.Advance(TimeSpan.FromMinutes(5));   // 3h after sign-in

        Assert.Null(await GetAsync(session.Id));
    }

    [Fact]
    public async Task An_unused_session_ends_after_the_idle_timeout()
    {
        var user = await UserAsync();
        var session = await CreateAsync(user);

        Clock.Advance(Idle.Value - TimeSpan.FromSeconds(1));
        var justBefore = await Store.GetAsync(session.Id, Now, CancellationToken.None);
        var other = await CreateAsync(user);
        Clock.Advance(Idle.Value);

        Assert.NotNull(justBefore);
        Assert.Null(await GetAsync(other.Id));
        Assert.Empty(await ListAsync(user));
    }

    [Fact]
    public async Task Using_a_session_moves_its_idle_timeout_and_last_seen_at_most_once_a_minute()
    {
        var session = await CreateAsync(await UserAsync());
        var created = Now;

        Clock.Advance(TimeSpan.FromSeconds(40));
        var soon = await GetAsync(session.Id);   // within the minute: no write
        Clock.Advance(TimeSpan.FromMinutes(90));
        var later = await GetAsync(session.Id);
        var seen = Now;
        Clock.Advance(TimeSpan.FromSeconds(20));
        var again = await GetAsync(session.Id);
        Clock.Advance(TimeSpan.FromMinutes(100));   // 3h10m after sign-in, 1h40m after the last write

        var stillLive = await GetAsync(session.Id);   // ended at 2h without the use at 1h31m

        Assert.Equal((created, seen, seen), (soon!.LastSeenAt, later!.LastSeenAt, again!.LastSeenAt));
        Assert.Equal(Now, stillLive!.LastSeenAt);
    }

    [Fact]
    public async Task A_deleted_session_is_gone()
    {
        var session = await CreateAsync(await UserAsync());

        await Store.DeleteAsync(session.Id, CancellationToken.None);
        await Store.DeleteAsync(session.Id, CancellationToken.None);   // deleting twice is fine

        Assert.Null(await GetAsync(session.Id));
    }

    [Fact]
    public async Task A_user_lists_their_live_sessions_on_one_client_newest_first()
    {
        var (user, someone) = (await UserAsync(), await UserAsync());
        var white = new ClientId(Guid.NewGuid());
        var ended = await CreateAsync(user, lifetime: TimeSpan.FromMinutes(30));
        Clock.Advance(TimeSpan.FromMinutes(1));
        var first = await CreateAsync(user);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await CreateAsync(user);
        await CreateAsync(user, client: white);
        await CreateAsync(someone);
        Clock.Advance(TimeSpan.FromMinutes(40));

        var list = await ListAsync(user);

        Assert.Equal([second.Handle, first.Handle], list.Select(s => s.Handle));
        Assert.DoesNotContain(ended.Handle, list.Select(s => s.Handle));
        Assert.Equal(new SessionInfo(first.Handle, first.CreatedAt, first.CreatedAt, first.ExpiresAt, Browser.UserAgent, Browser.Ip), list[1]);
        Assert.Single(await ListAsync(user, white));
    }

    [Fact]
    public async Task A_user_revokes_one_of_their_sessions_but_not_another_users()
    {
        var (user, someone) = (await UserAsync(), await UserAsync());
        var mine = await CreateAsync(user);
        var theirs = await CreateAsync(someone);
        var elsewhere = await CreateAsync(user, client: new ClientId(Guid.NewGuid()));

        Assert.False(await Store.RevokeAsync(user, Platform, theirs.Handle, Now, CancellationToken.None));
        Assert.False(await Store.RevokeAsync(user, Platform, elsewhere.Handle, Now, CancellationToken.None));
        Assert.True(await Store.RevokeAsync(user, Platform, mine.Handle, Now, CancellationToken.None));
        Assert.False(await Store.RevokeAsync(user, Platform, mine.Handle, Now, CancellationToken.None));

        Assert.Null(await GetAsync(mine.Id));
        Assert.NotNull(await GetAsync(theirs.Id));
        Assert.NotNull(await GetAsync(elsewhere.Id));
    }

    [Fact]
    public async Task Revoking_the_others_keeps_the_current_session_and_other_clients_and_users()
    {
        var (user, someone) = (await UserAsync(), await UserAsync());
        var current = await CreateAsync(user);
        var others = new[] { await CreateAsync(user), await CreateAsync(user) };
        var elsewhere = await CreateAsync(user, client: new ClientId(Guid.NewGuid()));
        var theirs = await CreateAsync(someone);

        var revoked = await Store.RevokeOthersAsync(user, Platform, current.Handle, Now, CancellationToken.None);

        Assert.Equal(2, revoked);
        Assert.Equal([current.Handle], (await ListAsync(user)).Select(s => s.Handle));
        foreach (var other in others) Assert.Null(await GetAsync(other.Id));
        Assert.NotNull(await GetAsync(elsewhere.Id));
        Assert.NotNull(await GetAsync(theirs.Id));
    }

    [Fact]
    public async Task Cleanup_removes_expired_and_idle_sessions_only()
    {
        var user = await UserAsync();
        var shortLived = await CreateAsync(user, lifetime: TimeSpan.FromMinutes(5));
        var idle = await CreateAsync(user);
        var used = await CreateAsync(user);
        Clock.Advance(TimeSpan.FromHours(1));
        await GetAsync(used.Id);
        Clock.Advance(TimeSpan.FromHours(1.5));

        var removed = await Store.DeleteExpiredAsync(Now, CancellationToken.None);

        var stored = await StoredTextAsync();
        Assert.Equal(2, removed);
        Assert.DoesNotContain(shortLived.Handle, stored);
        Assert.DoesNotContain(idle.Handle, stored);
        Assert.Contains(used.Handle, stored);
        Assert.NotNull(await GetAsync(used.Id));
    }

    [Fact]
    public async Task The_live_count_leaves_out_deleted_idle_and_expired_sessions()
    {
        var (alice, bob) = (await UserAsync(), await UserAsync());
        var deleted = await CreateAsync(alice);
        var idle = await CreateAsync(alice);
        var shortLived = await CreateAsync(bob, lifetime: TimeSpan.FromMinutes(30));
        await CreateAsync(bob, client: new ClientId(Guid.NewGuid()));
        var used = await CreateAsync(bob);
        var before = await Store.CountLiveAsync(Now, CancellationToken.None);

        await Store.DeleteAsync(deleted.Id, CancellationToken.None);
        Clock.Advance(TimeSpan.FromHours(1));
        await GetAsync(used.Id);
        Clock.Advance(TimeSpan.FromMinutes(61));   // idle and the 30-minute one are over; used was seen 61 minutes ago
        var after = await Store.CountLiveAsync(Now, CancellationToken.None);

        Assert.Equal(5, before);
        Assert.Equal(1, after);
        Assert.NotNull(await GetAsync(used.Id));
        Assert.Null(await GetAsync(idle.Id));
        Assert.Null(await GetAsync(shortLived.Id));
    }

    [Fact]
    public async Task The_store_holds_a_hash_never_the_cookie_value()
    {
        var session = await CreateAsync(await UserAsync());
        await GetAsync(session.Id);

        var stored = await StoredTextAsync();

        Assert.Contains(session.Handle, stored);
        Assert.DoesNotContain(session.Id, stored);
    }
}

public sealed class InMemorySessionStoreTests : SessionStoreContract
{
    private readonly InMemorySessionStore _store = new(Idle);

    protected override ISessionStore Store => _store;
    protected override Task<UserId> UserAsync() => Task.FromResult(UserId.New());

    protected override Task<string> StoredTextAsync()
    {
        var entries = (System.Collections.IEnumerable)typeof(InMemorySessionStore).GetField("_sessions", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(_store)!;
        return Task.FromResult(string.Join("\n", entries.Cast<object>()));
    }
}

public sealed class PostgresSessionStoreTests(ServicesFixture db) : SessionStoreContract, IClassFixture<ServicesFixture>, IAsyncLifetime
{
    /// <summary>The class shares one database: each test starts without sessions (the tests of a class run one at a time).</summary>
    public async Task InitializeAsync()
    {
        await using var command = DataSource.CreateCommand("DELETE FROM sessions");
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private NpgsqlDataSource DataSource => (NpgsqlDataSource)db.Services.Services.GetService(typeof(NpgsqlDataSource))!;

    protected override ISessionStore Store => new PostgresSessionStore(DataSource, Idle);

    protected override async Task<UserId> UserAsync() => (await db.Services.UserAsync($"s-{Guid.NewGuid():N}@sessions.test")).Id;

    protected override async Task<string> StoredTextAsync()
    {
        await using var command = DataSource.CreateCommand("SELECT coalesce(string_agg(row_to_json(s)::text, E'\\n'), '') FROM sessions s");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}

public sealed class RedisSessionStoreTests(TestRedis redis) : SessionStoreContract, IClassFixture<TestRedis>
{
    private readonly string _prefix = $"test-{Guid.NewGuid():N}:";   // each test sees only its own keys

    protected override ISessionStore Store => new RedisSessionStore(redis.Connection, Idle, _prefix);
    protected override Task<UserId> UserAsync() => Task.FromResult(UserId.New());
    protected override Task<string> StoredTextAsync() => redis.DumpAsync(_prefix);

    [Fact]
    public async Task Redis_itself_expires_a_session_at_its_end()
    {
        var session = await Store.CreateAsync(UserId.New(), "a@b.test", Clock.GetUtcNow(), TimeSpan.FromHours(1), CancellationToken.None);

        var ttl = await redis.Connection.GetDatabase().KeyTimeToLiveAsync($"{_prefix}session:{session.Handle}");

        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));   // the earlier of idle timeout (2h) and expiry (1h)
    }
}
