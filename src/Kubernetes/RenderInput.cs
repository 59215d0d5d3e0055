using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Kubernetes;

/// <summary>The object that owns what is rendered (the UserDeployment custom resource), when it is known.</summary>
public sealed record OwnerObject(string ApiVersion, string Kind, string Name, string Uid);

/// <summary>
/// Everything rendering needs, resolved: the deployment's identity and owner, its plan's tier and limits, the template
/// version's spec, the plain values and the secret values (null values are redacted: the keys are rendered, not the
/// values). Built by the server from a stored deployment, and by the operator from a UserDeployment resource.
/// <see cref="SecretRefs"/> (setting -> name of an existing Secret) says the secret values live in Secrets written by
/// someone else (the server, or a person): then no Secret is rendered, only an ExternalSecret with a cluster store.
/// <see cref="ServiceSecrets"/>: each service's effective secrets (three tiers merged), read from one Secret per service.
/// </summary>
public sealed record RenderInput(
    string Name,
    string Namespace,
    Guid DeploymentId,
    Guid OrganizationId,
    Guid TeamId,
    Guid OwnerUserId,
    string OwnerHandle,
    Tier Tier,
    TierLimits Limits,
    TemplateSpec Spec,
    IReadOnlyDictionary<string, string> Values,
    IReadOnlyDictionary<string, string?> Secrets,
    bool Running,
    string Host,
    OwnerObject? Owner = null,
    IReadOnlyDictionary<string, string>? SecretRefs = null,
    IReadOnlyList<ServiceSecretsSpec>? ServiceSecrets = null)
{
    /// <summary>
    /// An input for <see cref="ManifestRenderer.CheckRenderLimits"/> before anything is stored: only the spec, the plain
    /// values, the name and the host change what the text renders to.
    /// </summary>
    public static RenderInput ForLimits(TemplateSpec spec, IReadOnlyDictionary<string, string> values, string name, string host) =>
        new(name, "limits", Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, "limits", Tier.Free, TierLimits.For(Tier.Free), spec, values,
            new Dictionary<string, string?>(), true, host);
}

/// <summary>Cluster-wide rendering choices (operator flags and server settings).</summary>
public sealed record RenderOptions(
    string? ClusterSecretStore = null,
    bool DisableNetworkPolicies = false,
    string IngressClass = "traefik",
    string ClusterIssuer = "letsencrypt-prod",
    string IngressControllerNamespace = "traefik");
