using System.Text.RegularExpressions;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Domain.Secrets;

/// <summary>
/// One key set at one tier (docs/secrets.md): of an organization (no deployment), of a deployment (no service) or of
/// one service of a deployment. Only that it exists, when and by whom it changed: its value lives in the secrets backend.
/// </summary>
public sealed partial class SecretEntry : AggregateRoot<Guid>
{
    public const int MaxKeyLength = 256;
    public const int MaxValueBytes = 64 * 1024;
    public const string KeyRule = "an environment variable name: letters, digits and _, not starting with a digit, at most 256 characters";

    private SecretEntry() { }

    public OrganizationId OrganizationId { get; private set; }
    public DeploymentId? DeploymentId { get; private set; }
    public string? Service { get; private set; }
    public string Key { get; private set; } = null!;
    public DateTimeOffset UpdatedAt { get; private set; }
    public UserId? UpdatedBy { get; private set; }

    public static bool IsValidKey(string? key) => key is { Length: > 0 and <= MaxKeyLength } && KeyPattern().IsMatch(key);

    public static SecretEntry Set(OrganizationId organization, DeploymentId? deployment, string? service, string key, UserId by, DateTimeOffset now)
    {
        if (service is not null && deployment is null) throw new ArgumentException("A service secret belongs to a deployment.", nameof(service));
        var entry = new SecretEntry
        {
            Id = Guid.CreateVersion7(now), OrganizationId = organization, DeploymentId = deployment, Service = service, Key = key,
        };
        entry.Replaced(by, now);
        return entry;
    }

    /// <summary>A new value was written for the key.</summary>
    public void Replaced(UserId by, DateTimeOffset now)
    {
        (UpdatedAt, UpdatedBy) = (now, by);
        Raise(new SecretSet(OrganizationId, DeploymentId, Service, Key, now));
    }

    public void Remove(DateTimeOffset now) => Raise(new SecretRemoved(OrganizationId, DeploymentId, Service, Key, now));

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]*\z")]   // \z: "$" would accept a trailing "\n"
    private static partial Regex KeyPattern();
}

/// <summary>A key was created or given a new value (the event carries no value).</summary>
public sealed record SecretSet(OrganizationId Organization, DeploymentId? Deployment, string? Service, string Key, DateTimeOffset OccurredAt) : IDomainEvent;

public sealed record SecretRemoved(OrganizationId Organization, DeploymentId? Deployment, string? Service, string Key, DateTimeOffset OccurredAt) : IDomainEvent;
