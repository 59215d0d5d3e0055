using System.Collections.Concurrent;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// Template specs: parsed (and checked against the render limits) through <see cref="IDeploymentManifests"/>, and cached
/// by template and version. Versions never change once stored, so nothing is ever stale; at most 2,000 are kept (the
/// cache empties when full).
/// </summary>
public sealed class TemplateSpecCache(IDeploymentManifests manifests)
{
    private const int Limit = 2_000;
    private readonly ConcurrentDictionary<(TemplateId, int), TemplateSpec> _specs = new();

    public TemplateSpec Get(TemplateId template, int version, string yaml)
    {
        if (_specs.TryGetValue((template, version), out var spec)) return spec;
        spec = ParseOrThrow(yaml);
        if (_specs.Count >= Limit) _specs.Clear();
        _specs[(template, version)] = spec;
        return spec;
    }

    /// <summary>
    /// The spec, or a 400 naming every problem; a 422 (<c>render.file_too_large</c>, <c>render.too_large</c>, field
    /// <c>spec</c>) when its defaults would render past the limits for a deployment with the longest name and host.
    /// </summary>
    public TemplateSpec ParseOrThrow(string? yaml)
    {
        var spec = manifests.ParseTemplate(yaml, out var errors) ?? throw new SpecValidationException(errors);
        var longest = new string('x', Domain.Deployments.DeploymentName.MaxLength);
        if (manifests.CheckRenderLimits(spec, new Dictionary<string, string>(), longest, longest + "." + new string('x', 253 - longest.Length - 1)) is { } problem)
            throw RenderLimitException.For(problem, "spec");
        return spec;
    }

    /// <summary>The spec, or null when the text does not parse (a stored version is shown even so).</summary>
    public TemplateSpec? TryParse(string yaml) => manifests.ParseTemplate(yaml, out _);

    /// <summary>Throws a 422 (<c>render.file_too_large</c> or <c>render.too_large</c>, field <c>values</c>) when the deployment would render past the limits.</summary>
    public void EnsureRenderable(TemplateSpec spec, IReadOnlyDictionary<string, string> values, string name, string host)
    {
        if (manifests.CheckRenderLimits(spec, values, name, host) is { } problem) throw RenderLimitException.For(problem, "values");
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
