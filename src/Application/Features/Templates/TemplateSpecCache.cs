using System.Collections.Concurrent;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// Parsed specs by template and version. Versions never change once stored, so nothing is ever stale; at most
/// 2,000 are kept (the cache empties when full).
/// </summary>
public sealed class TemplateSpecCache
{
    private const int Limit = 2_000;
    private readonly ConcurrentDictionary<(TemplateId, int), TemplateSpec> _specs = new();

    public TemplateSpec Get(TemplateId template, int version, string yaml)
    {
        if (_specs.TryGetValue((template, version), out var spec)) return spec;
        spec = TemplateMapping.ParseOrThrow(yaml);
        if (_specs.Count >= Limit) _specs.Clear();
        _specs[(template, version)] = spec;
        return spec;
    }
}

/// <summary>User handles by id; a handle never changes, so the cache never goes stale. At most 50,000 are kept.</summary>
public sealed class UserHandles
{
    private readonly ConcurrentDictionary<UserId, string> _handles = new();

    public async Task<string> OfAsync(Common.IAppDbContext db, UserId user, CancellationToken cancellationToken)
    {
        if (_handles.TryGetValue(user, out var handle)) return handle;
        handle = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.Users.Where(u => u.Id == user).Select(u => u.Handle), cancellationToken);
        if (_handles.Count >= 50_000) _handles.Clear();
        return _handles[user] = handle;
    }
}
