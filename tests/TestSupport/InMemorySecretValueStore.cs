using System.Collections.Concurrent;
using CleanScheduler.Application.Common;

namespace CleanScheduler.TestSupport;

/// <summary>
/// An <see cref="ISecretValueStore"/> in memory, with the port's semantics (scopes isolated, delete of a missing key is a
/// no-op) and as strict as a backend: keys and values are checked as the API checks them. <see cref="Unavailable"/>
/// makes every call fail as an unreachable backend does.
/// </summary>
public sealed class InMemorySecretValueStore : ISecretValueStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _scopes = new(StringComparer.Ordinal);

    public string Backend => "memory";
    public bool Unavailable { get; set; }
    public int Writes;

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Snapshot =>
        _scopes.ToDictionary(s => s.Key, s => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(s.Value), StringComparer.Ordinal);

    public Task<IReadOnlyDictionary<string, string>> ReadAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        Check();
        return Task.FromResult<IReadOnlyDictionary<string, string>>(_scopes.TryGetValue(scope.Path, out var keys)
            ? new Dictionary<string, string>(keys, StringComparer.Ordinal) : new Dictionary<string, string>());
    }

    public Task WriteAsync(SecretScope scope, string key, string value, CancellationToken cancellationToken)
    {
        Check();
        if (!Domain.Secrets.SecretEntry.IsValidKey(key)) throw new ArgumentException("not a secret key", nameof(key));
        if (System.Text.Encoding.UTF8.GetByteCount(value) > Domain.Secrets.SecretEntry.MaxValueBytes) throw new ArgumentException("value too large", nameof(value));
        _scopes.GetOrAdd(scope.Path, _ => new(StringComparer.Ordinal))[key] = value;
        Interlocked.Increment(ref Writes);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(SecretScope scope, string key, CancellationToken cancellationToken)
    {
        Check();
        if (_scopes.TryGetValue(scope.Path, out var keys)) keys.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task DeleteScopeAsync(SecretScope scope, CancellationToken cancellationToken)
    {
        Check();
        _scopes.TryRemove(scope.Path, out _);
        return Task.CompletedTask;
    }

    public Task CheckAsync(CancellationToken cancellationToken)
    {
        Check();
        return Task.CompletedTask;
    }

    private void Check()
    {
        if (Unavailable) throw new SecretBackendUnavailableException("the test secrets backend is down");
    }
}
