using System.Collections.Concurrent;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Infrastructure.Sessions;

/// <summary>SESSION_BACKEND=memory: sessions live in this process and end with it. For local use and single servers.</summary>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public Task<Session> CreateAsync(UserId user, string email, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken, ClientId? client = null)
    {
        var session = new Session(SessionIds.New(), user, email, now, now + lifetime, client);
        _sessions[SessionIds.Hash(session.Id)] = session;
        return Task.FromResult(session);
    }

    public Task<Session?> GetAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(_sessions.TryGetValue(SessionIds.Hash(id), out var session) && session.ExpiresAt > now ? session : null);

    public Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        _sessions.TryRemove(SessionIds.Hash(id), out _);
        return Task.CompletedTask;
    }

    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var (key, session) in _sessions)
            if (session.ExpiresAt <= now && _sessions.TryRemove(key, out _)) removed++;
        return Task.FromResult(removed);
    }
}
