using System.Collections.Concurrent;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// Host name to white-label client, cached for 30 seconds (and cleared at once on this server when clients change),
/// so that resolving the client costs no query on most requests. At most 10,000 hosts are remembered.
/// </summary>
public sealed class ClientDirectory(IServiceScopeFactory scopes, TimeProvider clock) : IClientDirectory
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (ResolvedClient Client, DateTimeOffset Until)> _byHost = new(StringComparer.Ordinal);

    public async Task<ResolvedClient> ForHostAsync(string host, CancellationToken cancellationToken)
    {
        var key = host.Trim().TrimEnd('.').ToLowerInvariant();
        var now = clock.GetUtcNow();
        if (_byHost.TryGetValue(key, out var cached) && cached.Until > now) return cached.Client;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var found = await db.Clients.AsNoTracking()
            .Where(c => c.Domains.Any(d => d.Host == key))
            .Select(c => new { c.Id, c.Branding.DisplayName, c.Branding.LogoUrl, c.Branding.PrimaryColor })
            .FirstOrDefaultAsync(cancellationToken);
        var client = found is null ? ResolvedClient.Platform : new ResolvedClient(found.Id, found.DisplayName, found.LogoUrl, found.PrimaryColor, key);
        if (_byHost.Count >= 10_000) _byHost.Clear();
        _byHost[key] = (client, now + Lifetime);
        return client;
    }

    public void Invalidate() => _byHost.Clear();
}
