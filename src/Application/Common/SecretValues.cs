namespace CleanScheduler.Application.Common;

/// <summary>The three tiers of secrets. On a key set at several tiers the higher tier wins: organization > deployment > service.</summary>
public enum SecretTier
{
    Organization = 0,
    Deployment = 1,
    Service = 2,
}

/// <summary>
/// Where a set of secrets belongs: an organization (tier 1), one deployment of it (tier 2) or one service of one
/// deployment (tier 3). <see cref="Path"/> is the backend-neutral location (Vault: <c>&lt;mount&gt;/data/&lt;Path&gt;</c>;
/// AWS: the secret's name under a prefix); it contains only ids and a DNS-label service name, never user text.
/// </summary>
public sealed record SecretScope
{
    private SecretScope(Guid organizationId, Guid? deploymentId, string? service) =>
        (OrganizationId, DeploymentId, Service) = (organizationId, deploymentId, service);

    public Guid OrganizationId { get; }
    public Guid? DeploymentId { get; }
    public string? Service { get; }

    public SecretTier Tier => Service is not null ? SecretTier.Service : DeploymentId is not null ? SecretTier.Deployment : SecretTier.Organization;

    public string Path => Tier switch
    {
        SecretTier.Organization => $"orgs/{OrganizationId:N}",
        SecretTier.Deployment => $"orgs/{OrganizationId:N}/deployments/{DeploymentId:N}",
        _ => $"orgs/{OrganizationId:N}/deployments/{DeploymentId:N}/services/{Service}",
    };

    /// <summary>The associated data a database-stored value of <paramref name="key"/> is encrypted with.</summary>
    public string CipherContext(string key) => CipherContext(Path, key);

    /// <summary>The same, from a stored <see cref="Path"/> (as the value's row keeps it).</summary>
    public static string CipherContext(string path, string key) => $"secret:{path}:{key}";

    public static SecretScope ForOrganization(Guid organization) => new(organization, null, null);
    public static SecretScope ForDeployment(Guid organization, Guid deployment) => new(organization, deployment, null);

    /// <summary><paramref name="service"/> must be a service name of the template (a DNS label: [a-z0-9-], 1-63).</summary>
    public static SecretScope ForService(Guid organization, Guid deployment, string service)
    {
        if (service.Length is 0 or > 63 || !service.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
            throw new ArgumentException("A service name is a DNS label.", nameof(service));
        return new(organization, deployment, service);
    }
}

/// <summary>
/// The backend that holds secret VALUES (SECRETS_BACKEND=database|vault|aws). Which keys exist, at which tier, when and by
/// whom they were changed is kept in PostgreSQL by the caller whatever the backend; this port only stores and returns
/// values. Every method is scoped: one scope's values never leak into another's. Implementations never log a value
/// and never put one into an exception message.
/// </summary>
public interface ISecretValueStore
{
    /// <summary>"database", "vault" or "aws".</summary>
    string Backend { get; }

    /// <summary>Every key and value of <paramref name="scope"/>; empty when nothing is set there.</summary>
    Task<IReadOnlyDictionary<string, string>> ReadAsync(SecretScope scope, CancellationToken cancellationToken);

    /// <summary>Creates or replaces one key of <paramref name="scope"/>, keeping its other keys (check-and-set where the backend has it).</summary>
    Task WriteAsync(SecretScope scope, string key, string value, CancellationToken cancellationToken);

    /// <summary>Removes one key of <paramref name="scope"/>; nothing happens when it is not there.</summary>
    Task DeleteAsync(SecretScope scope, string key, CancellationToken cancellationToken);

    /// <summary>Removes every key of <paramref name="scope"/> (a deleted deployment or organization); nothing happens when empty.</summary>
    Task DeleteScopeAsync(SecretScope scope, CancellationToken cancellationToken);

    /// <summary>For /readyz: throws <see cref="SecretBackendUnavailableException"/> when the backend cannot be reached or refuses our credentials.</summary>
    Task CheckAsync(CancellationToken cancellationToken);
}

/// <summary>The secrets backend cannot be reached, times out, or refuses our credentials: the request answers 503, never 500.</summary>
public sealed class SecretBackendUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
