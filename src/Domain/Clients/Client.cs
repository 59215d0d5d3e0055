using System.Text.RegularExpressions;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Domain.Clients;

/// <summary>
/// A white-label client of the platform: its own name, custom domains and branding. Organizations may belong
/// to a client; those without one are "direct" organizations.
/// </summary>
public sealed partial class Client : AggregateRoot<ClientId>
{
    private readonly List<ClientDomain> _domains = [];

    private Client() { }

    public string Name { get; private set; } = null!;
    public Branding Branding { get; private set; } = null!;
    public DateTimeOffset CreatedAt { get; private set; }
    public IReadOnlyCollection<ClientDomain> Domains => _domains;

    public static Client Register(string name, Branding branding, DateTimeOffset now) => new()
    {
        Id = ClientId.New(),
        Name = DisplayName.From(name, "client name"),
        Branding = branding,
        CreatedAt = now,
    };

    public static bool IsValidDomain(string? domain) =>
        domain is { Length: > 0 and <= 253 } && DomainPattern().IsMatch(domain);

    public void AddDomain(string domain)
    {
        var normalized = domain.Trim().ToLowerInvariant();
        if (!IsValidDomain(normalized))
            throw new RuleViolationException("client.invalid_domain", $"'{domain}' is not a valid host name.");
        if (Serves(normalized))
            throw new RuleViolationException("client.domain_exists", $"'{normalized}' is already a domain of this client.");
        _domains.Add(new ClientDomain(normalized));
    }

    public void RemoveDomain(string domain)
    {
        var normalized = domain.Trim().ToLowerInvariant();
        _domains.RemoveAll(d => d.Host == normalized);
    }

    public bool Serves(string host)
    {
        var normalized = host.Trim().ToLowerInvariant();
        return _domains.Exists(d => d.Host == normalized);
    }

    public void Rebrand(Branding branding) => Branding = branding;

    public void Rename(string name) => Name = DisplayName.From(name, "client name");

    /// <summary>Makes <paramref name="hosts"/> the client's domains: adds the new ones, drops the others.</summary>
    public void ServeExactly(IEnumerable<string> hosts)
    {
        var wanted = hosts.Select(h => h.Trim().TrimEnd('.').ToLowerInvariant()).Distinct().ToList();
        _domains.RemoveAll(d => !wanted.Contains(d.Host));
        foreach (var host in wanted.Where(h => !Serves(h))) AddDomain(host);
    }

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();
}

/// <summary>A host name under which the platform presents itself as this client.</summary>
public sealed class ClientDomain
{
    private ClientDomain() { }
    internal ClientDomain(string host) => Host = host;
    public string Host { get; private set; } = null!;
}

/// <summary>How a white-label client presents itself in the UI.</summary>
public sealed partial record Branding(string DisplayName, string? LogoUrl, string PrimaryColor)
{
    public static bool IsValidColor(string? color) => color is not null && ColorPattern().IsMatch(color);

    [GeneratedRegex("^#[0-9a-fA-F]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex ColorPattern();
}
