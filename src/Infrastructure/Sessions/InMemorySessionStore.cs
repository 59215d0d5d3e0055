using System.Collections.Concurrent;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Infrastructure.Sessions;

/// <summary>SESSION_BACKEND=memory: sessions live in this process and end with it. For local use and single servers.</summary>
public sealed class InMemorySessionStore(SessionIdleTimeout idle) : ISessionStore
{
    /// <summary>What is kept per session, by handle (the id's hash): everything but the secret.</summary>
    private sealed record Entry(UserId User, string Email, ClientId? Client, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, SessionDevice Device);

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    public Task<Session> CreateAsync(UserId user, string email, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken,
        ClientId? client = null, SessionDevice? device = null)
    {
        var session = new Session(SessionIds.New(), user, email, client, now, now, now + lifetime, device ?? SessionDevice.Unknown);
        _sessions[session.Handle] = new Entry(user, email, client, now, now, session.ExpiresAt, session.Device);
        return Task.FromResult(session);
    }

    public Task<Session?> GetAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var handle = SessionIds.Hash(id);
        if (!_sessions.TryGetValue(handle, out var entry) || !IsLive(entry, now)) return Task.FromResult<Session?>(null);
        if (SessionIdleTimeout.IsTouchDue(entry.LastSeenAt, now) && _sessions.TryUpdate(handle, entry with { LastSeenAt = now }, entry))
            entry = entry with { LastSeenAt = now };
        return Task.FromResult<Session?>(new Session(id, entry.User, entry.Email, entry.Client, entry.CreatedAt, entry.LastSeenAt, entry.ExpiresAt, entry.Device));
    }

    public Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        _sessions.TryRemove(SessionIds.Hash(id), out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SessionInfo>> ListAsync(UserId user, ClientId? client, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SessionInfo>>(Of(user, client)
            .Where(s => IsLive(s.Value, now))
            .OrderByDescending(s => s.Value.CreatedAt)
            .Select(s => new SessionInfo(s.Key, s.Value.CreatedAt, s.Value.LastSeenAt, s.Value.ExpiresAt, s.Value.Device.UserAgent, s.Value.Device.Ip))
            .ToList());

    public Task<bool> RevokeAsync(UserId user, ClientId? client, string handle, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(Of(user, client).Any(s => s.Key == handle && IsLive(s.Value, now) && _sessions.TryRemove(s)));

    public Task<int> RevokeOthersAsync(UserId user, ClientId? client, string keepHandle, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(Of(user, client).Count(s => s.Key != keepHandle && IsLive(s.Value, now) && _sessions.TryRemove(s)));

    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(_sessions.ToList().Count(s => !IsLive(s.Value, now) && _sessions.TryRemove(s)));

    public Task<long> CountLiveAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult((long)_sessions.Count(s => IsLive(s.Value, now)));

    private List<KeyValuePair<string, Entry>> Of(UserId user, ClientId? client) =>
        _sessions.Where(s => s.Value.User == user && s.Value.Client == client).ToList();

    private bool IsLive(Entry entry, DateTimeOffset now) => idle.EndOf(entry.LastSeenAt, entry.ExpiresAt) > now;
}
