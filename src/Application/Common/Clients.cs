using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Common;

/// <summary>How the platform presents itself on a host: a white-label client's branding, or the platform's own.</summary>
/// <param name="Host">The client's configured domain the request came to (lower case); null when not resolved from a request.</param>
public sealed record ResolvedClient(ClientId? Id, string DisplayName, string? LogoUrl, string PrimaryColor, string? Host = null)
{
    public static readonly ResolvedClient Platform = new(null, "CleanScheduler", null, "#4f46e5");
}

/// <summary>Which white-label client a host name belongs to (cached; <see cref="Invalidate"/> after clients change).</summary>
public interface IClientDirectory
{
    Task<ResolvedClient> ForHostAsync(string host, CancellationToken cancellationToken);
    void Invalidate();
}

/// <summary>
/// The white-label client of the current request (from its Host header); null on the platform's own hosts. A client's
/// users see only that client's organizations, and sessions made on one client's host are not valid on another's.
/// </summary>
public interface ICurrentClient
{
    ClientId? Id { get; }
}

/// <summary>No client: the platform's own hosts, and work outside requests.</summary>
public sealed class PlatformClient : ICurrentClient
{
    public ClientId? Id => null;
}
