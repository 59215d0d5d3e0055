using System.Collections.Concurrent;
using CleanScheduler.Application.Common;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CleanScheduler.WebApi.Hosting;

public static class SecretsComposition
{
    /// <summary>
    /// TEMPORARY until the secrets backends (SECRETS_BACKEND, AddSecretValueStore) are merged: a process-local value store
    /// in DEV_MODE, so that the tiers work end to end. The lead replaces this with the configured backend.
    /// </summary>
    public static IServiceCollection AddSecretTiers(this IServiceCollection services, bool devMode)
    {
        if (devMode) services.TryAddSingleton<ISecretValueStore, ProcessSecretValueStore>();
        return services;
    }

    private sealed class ProcessSecretValueStore : ISecretValueStore
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _scopes = new(StringComparer.Ordinal);

        public string Backend => "memory";

        public Task<IReadOnlyDictionary<string, string>> ReadAsync(SecretScope scope, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, string>>(_scopes.TryGetValue(scope.Path, out var keys)
                ? new Dictionary<string, string>(keys, StringComparer.Ordinal) : new Dictionary<string, string>());

        public Task WriteAsync(SecretScope scope, string key, string value, CancellationToken cancellationToken)
        {
            _scopes.GetOrAdd(scope.Path, _ => new(StringComparer.Ordinal))[key] = value;
            return Task.CompletedTask;
        }

        public Task DeleteAsync(SecretScope scope, string key, CancellationToken cancellationToken)
        {
            if (_scopes.TryGetValue(scope.Path, out var keys)) keys.TryRemove(key, out _);
            return Task.CompletedTask;
        }

        public Task DeleteScopeAsync(SecretScope scope, CancellationToken cancellationToken)
        {
            _scopes.TryRemove(scope.Path, out _);
            return Task.CompletedTask;
        }

        public Task CheckAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
