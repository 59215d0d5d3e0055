using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// A UserDeployment that cannot be rendered, and why (shown in its status as phase Failed, with <see cref="Reason"/> as
/// the reason of its Degraded condition: <c>InvalidSpec</c> unless a more precise one is given, e.g. a render limit).
/// </summary>
public sealed class UserDeploymentSpecException(string message, string reason = "InvalidSpec") : Exception(message)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// Turns a UserDeployment resource into the renderer's input: the same <see cref="ManifestRenderer"/> then serves the
/// operator and its render command exactly as it serves the server's manifest download.
/// </summary>
public static class UserDeploymentInput
{
    /// <summary>The template spec of the resource: its inline services, or the published template text.</summary>
    public static TemplateSpec Spec(UserDeploymentSpec spec, string? templateYaml)
    {
        string yaml;
        if (spec.Services is { Count: > 0 } services)
            yaml = new JsonObject { ["services"] = new JsonArray(services.Select(s => (JsonNode)s.DeepClone()).ToArray()) }.ToJsonString();
        else if (spec.TemplateRef is not null)
            yaml = templateYaml ?? throw new UserDeploymentSpecException($"template ConfigMap {spec.TemplateRef.ConfigMapName} not found");
        else
            throw new UserDeploymentSpecException("spec needs services or templateRef");
        var parsed = TemplateSpecYaml.Parse(yaml, out var errors);
        return parsed ?? throw new UserDeploymentSpecException("invalid services: " + string.Join("; ", errors.Take(5)));
    }

    public static RenderInput From(JsonObject resource, TemplateSpec template, string domain)
    {
        UserDeploymentResource cr;
        // Metadata and spec only: the status is the operator's own output, and a broken one must not stop the render.
        if (resource["spec"] is null) throw new UserDeploymentSpecException("spec is missing");
        try { cr = new UserDeploymentResource(CustomResources.From<ObjectMeta>(resource["metadata"]), CustomResources.From<UserDeploymentSpec>(resource["spec"])); }
        catch (JsonException e) { throw new UserDeploymentSpecException("malformed resource: " + e.Message); }
        var spec = cr.Spec ?? throw new UserDeploymentSpecException("spec is missing");
        var ns = cr.Metadata.Namespace ?? throw new UserDeploymentSpecException("metadata.namespace is missing");
        var handle = HandleOf(spec.Owner?.User, ns);
        var tier = TierCodes.TryParse(spec.Tier, out var parsedTier) ? parsedTier : Tier.Free;
        var limits = TierLimits.For(tier);
        if (spec.Limits is { } given)
        {
            if (given.Isolation is { } isolation)
                limits = limits with { Isolation = Enum.GetValues<NetworkIsolation>().FirstOrDefault(i => i.ToCode() == isolation, limits.Isolation) };
            if (given.Quota is { } quota)
                limits = limits with
                {
                    Quota = new ResourceQuotaLimits(quota.Cpu ?? limits.Quota?.Cpu ?? "1", quota.Memory ?? limits.Quota?.Memory ?? "1Gi", quota.Pods ?? limits.Quota?.Pods ?? 5),
                };
        }
        var secretRefs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var reference in spec.SecretRefs ?? [])
            foreach (var key in reference.Keys) secretRefs[key] = reference.Name;
        var uid = cr.Metadata.Uid ?? "";
        return new RenderInput(
            cr.Metadata.Name, ns,
            Guid.TryParse(spec.DeploymentId, out var deploymentId) ? deploymentId : StableGuid(uid.Length > 0 ? uid : $"{ns}/{cr.Metadata.Name}"),
            Guid.TryParse(spec.Owner?.OrganizationId, out var org) ? org : Guid.Empty,
            Guid.TryParse(spec.Owner?.TeamId, out var team) ? team : Guid.Empty,
            Guid.TryParse(spec.Owner?.UserId, out var user) ? user : Guid.Empty,
            handle, tier, limits, template,
            spec.Values ?? new Dictionary<string, string>(),
            secretRefs.ToDictionary(kv => kv.Key, string? (_) => null, StringComparer.Ordinal),
            spec.DesiredState == "running",
            HostOf(spec.Host, spec.Owner?.User, ns, cr.Metadata.Name, domain),
            uid.Length > 0 ? new OwnerObject(CustomResources.ApiVersion, "UserDeployment", cr.Metadata.Name, uid) : null,
            secretRefs,
            spec.ServiceSecrets);
    }

    /// <summary>
    /// The handle that names the Ingress host (&lt;handle&gt;-&lt;name&gt;.&lt;domain&gt;) when spec.host is not given. The
    /// server gives both owner.user and host (so moving a UserDeployment to another namespace keeps its address); a
    /// hand-written one may give neither: a namespace named sandbox-&lt;handle&gt; (as the samples) still names it, and
    /// any other namespace (a team's, sandbox-&lt;id&gt;, too) is used whole.
    /// </summary>
    public static string HandleOf(string? ownerUser, string ns) =>
        ownerUser ?? (ns.StartsWith("sandbox-", StringComparison.Ordinal) && Domain.Users.UserHandle.IsValid(ns["sandbox-".Length..]) ? ns["sandbox-".Length..] : ns);

    /// <summary>The host a UserDeployment's Ingress serves: spec.host, else &lt;handle&gt;-&lt;name&gt;.&lt;domain&gt;.</summary>
    public static string HostOf(string? host, string? ownerUser, string ns, string name, string domain) =>
        string.IsNullOrEmpty(host) ? $"{HandleOf(ownerUser, ns)}-{name}.{domain}" : host;

    private static Guid StableGuid(string text) => new(MD5.HashData(Encoding.UTF8.GetBytes(text)));
}
