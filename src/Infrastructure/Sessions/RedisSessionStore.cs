using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace CleanScheduler.Infrastructure.Sessions;

/// <summary>
/// SESSION_BACKEND=redis: one hash per session under <c>session:{handle}</c> (the handle is the id's SHA-256; the secret
/// is never stored) whose TTL is its end (idle timeout or absolute expiry, whichever is first), so Redis itself drops
/// ended sessions. Two sorted sets scored by that end index them: <c>user-sessions:{user}</c> for the owner's list and
/// <c>sessions-by-end</c> (members <c>{user}:{handle}</c>) for the cleanup, which removes ended entries from both (an
/// emptied set is gone). Commands are those of Redis 6.
/// </summary>
public sealed class RedisSessionStore(IConnectionMultiplexer redis, SessionIdleTimeout idle, string keyPrefix = RedisSessionStore.DefaultKeyPrefix)
    : ISessionStore
{
    public const string DefaultKeyPrefix = "cleanscheduler:";
    private static readonly RedisKey ByEnd = "sessions-by-end";

    private IDatabase Db => redis.GetDatabase().WithKeyPrefix(keyPrefix);

    public async Task<Session> CreateAsync(UserId user, string email, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken,
        ClientId? client = null, SessionDevice? device = null)
    {
        var session = new Session(SessionIds.New(), user, email, client, now, now, now + lifetime, device ?? SessionDevice.Unknown);
        var end = idle.EndOf(now, session.ExpiresAt);
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(SessionKey(session.Handle), [
            new("user", user.Value.ToString()), new("email", email), new("client", client?.Value.ToString() ?? ""),
            new("created", Ms(now)), new("seen", Ms(now)), new("expires", Ms(session.ExpiresAt)),
            new("agent", session.Device.UserAgent ?? ""), new("ip", session.Device.Ip ?? "")]);
        _ = transaction.KeyExpireAsync(SessionKey(session.Handle), end - now);
        _ = transaction.SortedSetAddAsync(UserKey(user), session.Handle, Ms(end));
        _ = transaction.SortedSetAddAsync(ByEnd, $"{user.Value}:{session.Handle}", Ms(end));
        await transaction.ExecuteAsync();
        return session;
    }

    public async Task<Session?> GetAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var handle = SessionIds.Hash(id);
        if (await ReadAsync(handle) is not { } session || !IsLive(session, now)) return null;
        if (!SessionIdleTimeout.IsTouchDue(session.LastSeenAt, now)) return session with { Id = id };

        var end = idle.EndOf(now, session.ExpiresAt);
        var transaction = Db.CreateTransaction();
        transaction.AddCondition(Condition.KeyExists(SessionKey(handle)));   // never revive a session deleted meanwhile
        _ = transaction.HashSetAsync(SessionKey(handle), "seen", Ms(now));
        _ = transaction.KeyExpireAsync(SessionKey(handle), end - now);
        _ = transaction.SortedSetAddAsync(UserKey(session.UserId), handle, Ms(end), SortedSetWhen.Exists);
        _ = transaction.SortedSetAddAsync(ByEnd, $"{session.UserId.Value}:{handle}", Ms(end), SortedSetWhen.Exists);
        await transaction.ExecuteAsync();
        return session with { Id = id, LastSeenAt = now };
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var handle = SessionIds.Hash(id);
        if (await ReadAsync(handle) is { } session) await RemoveAsync(session.UserId, handle);
    }

    public async Task<IReadOnlyList<SessionInfo>> ListAsync(UserId user, ClientId? client, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await LiveAsync(user, client, now))
            .OrderByDescending(s => s.Session.CreatedAt)
            .Select(s => new SessionInfo(s.Handle, s.Session.CreatedAt, s.Session.LastSeenAt, s.Session.ExpiresAt, s.Session.Device.UserAgent, s.Session.Device.Ip))
            .ToList();

    public async Task<bool> RevokeAsync(UserId user, ClientId? client, string handle, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await ReadAsync(handle) is not { } session || session.UserId != user || session.Client != client || !IsLive(session, now)) return false;
        return await RemoveAsync(user, handle);
    }

    public async Task<int> RevokeOthersAsync(UserId user, ClientId? client, string keepHandle, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var revoked = 0;
        foreach (var (handle, _) in await LiveAsync(user, client, now))
            if (handle != keepHandle && await RemoveAsync(user, handle)) revoked++;
        return revoked;
    }

    /// <summary>Removes what ended by <paramref name="now"/>: the session hashes Redis has not expired yet and their index entries.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = Db;
        var ended = await db.SortedSetRangeByScoreAsync(ByEnd, double.NegativeInfinity, Ms(now));
        foreach (var member in ended)
        {
            var (user, handle) = (((string)member!)[..36], ((string)member!)[37..]);
            await db.KeyDeleteAsync(SessionKey(handle));
            await db.SortedSetRemoveAsync((RedisKey)$"user-sessions:{user}", handle);
            await db.SortedSetRemoveAsync(ByEnd, member);
        }
        return ended.Length;
    }

    /// <summary>The index entries that end after <paramref name="now"/> (one ZCOUNT, logarithmic in the number of sessions).</summary>
    public Task<long> CountLiveAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Db.SortedSetLengthAsync(ByEnd, Ms(now), double.PositiveInfinity, Exclude.Start);

    private async Task<List<(string Handle, Session Session)>> LiveAsync(UserId user, ClientId? client, DateTimeOffset now)
    {
        var handles = (await Db.SortedSetRangeByScoreAsync(UserKey(user), Ms(now), double.PositiveInfinity, Exclude.Start)).Select(h => (string)h!).ToList();
        var sessions = await Task.WhenAll(handles.Select(ReadAsync));   // pipelined: one round trip for all
        return handles.Zip(sessions)
            .Where(s => s.Second is { } session && session.UserId == user && session.Client == client && IsLive(session, now))
            .Select(s => (s.First, s.Second!))
            .ToList();
    }

    /// <summary>The stored session (with an empty <see cref="Session.Id"/>: the store does not know it), or null.</summary>
    private async Task<Session?> ReadAsync(string handle)
    {
        var fields = (await Db.HashGetAllAsync(SessionKey(handle))).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        if (fields.Count == 0) return null;
        return new Session("", new UserId(Guid.Parse(fields["user"])), fields["email"], fields["client"] is { Length: > 0 } c ? new ClientId(Guid.Parse(c)) : null,
            Time(fields["created"]), Time(fields["seen"]), Time(fields["expires"]),
            new SessionDevice(fields["agent"] is { Length: > 0 } agent ? agent : null, fields["ip"] is { Length: > 0 } ip ? ip : null));
    }

    private async Task<bool> RemoveAsync(UserId user, string handle)
    {
        var transaction = Db.CreateTransaction();
        var deleted = transaction.KeyDeleteAsync(SessionKey(handle));
        _ = transaction.SortedSetRemoveAsync(UserKey(user), handle);
        _ = transaction.SortedSetRemoveAsync(ByEnd, $"{user.Value}:{handle}");
        await transaction.ExecuteAsync();
        return await deleted;
    }

    private bool IsLive(Session session, DateTimeOffset now) => idle.EndOf(session.LastSeenAt, session.ExpiresAt) > now;

    private static RedisKey SessionKey(string handle) => $"session:{handle}";
    private static RedisKey UserKey(UserId user) => $"user-sessions:{user.Value}";
    private static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();
    private static DateTimeOffset Time(string ms) => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms, System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>What the server answers when the session store cannot be reached: 503, not 500.</summary>
public static class SessionStoreErrors
{
    /// <summary>True when the exception (or one it wraps) says Redis cannot be reached right now (down, restarting, too slow).</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException) return true;
        return false;
    }
}
