using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Kubernetes;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>
/// Publishes a deployment as the operator expects it (DESIGN.md §6): the team's namespace, the template version as a
/// ConfigMap, the secret values as a Secret (unless a cluster secret store fills it) and the UserDeployment, each by
/// server-side apply; removing deletes the UserDeployment (its finalizer lets the operator remove what it owns) and
/// the Secret.
/// </summary>
public sealed class KubernetesDeploymentPublisher(IKubernetesClient kube, RenderOptions render, ILogger<KubernetesDeploymentPublisher> logger)
    : IDeploymentPublisher
{
    /// <summary>Namespaces this process already made sure exist (forgotten when a write into one answers 404).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _namespaces = new(StringComparer.Ordinal);

    public bool PublishesSecretValues => render.ClusterSecretStore is null;

    public Task<DeploymentReport> PublishAsync(DesiredDeployment desired, CancellationToken cancellationToken) => ClusterErrors.Translate(async () =>
    {
        var (deployment, ns) = (desired.Deployment, desired.Namespace);
        try
        {
            await EnsureNamespaceAsync(ns, deployment, cancellationToken);
            var templateRef = new TemplateRef(ClusterNames.TemplateRefName(deployment.TemplateId), deployment.TemplateVersion);
            await PublishTemplateAsync(ns, templateRef, desired.TemplateSpec, cancellationToken);   // every time: cheap, and heals a deleted ConfigMap

            var secretKeys = deployment.Secrets.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
            var resource = UserDeployment(deployment, ns, templateRef, desired.Tier, desired.Limits, secretKeys);
            var applied = await kube.ApplyAsync(KubeResource.UserDeployments, resource, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
            if (secretKeys.Count > 0 && PublishesSecretValues)
                await WriteSecretAsync(deployment, ns, desired.SecretValues, (string?)applied["metadata"]?["uid"], cancellationToken);
            return KubernetesDeploymentReports.ReportOf(applied);
        }
        catch (KubeNotFoundException)
        {
            _namespaces.TryRemove(ns, out _);   // the namespace went away: create it again on the retry
            throw;
        }
    });

    public Task RemoveAsync(string @namespace, string name, CancellationToken cancellationToken) => ClusterErrors.Translate(async () =>
    {
        await DeleteIfPresentAsync(KubeResource.UserDeployments, @namespace, name, cancellationToken);
        await DeleteIfPresentAsync(KubeResource.Secrets, @namespace, ClusterNames.SecretName(name), cancellationToken);
    });

    private async Task DeleteIfPresentAsync(KubeResource kind, string ns, string name, CancellationToken cancellationToken)
    {
        try { await kube.DeleteAsync(kind, ns, name, cancellationToken: cancellationToken); }
        catch (KubeNotFoundException) { }
    }

    /// <summary>
    /// Creates the team's namespace, labelled with its organization's and its own id. One that already exists must not
    /// be labelled with another organization (made by hand, or a KUBERNETES_NAMESPACE that does not name one namespace
    /// per team): the deployment is then refused rather than put beside another tenant's.
    /// </summary>
    private async Task EnsureNamespaceAsync(string ns, Deployment deployment, CancellationToken cancellationToken)
    {
        if (_namespaces.ContainsKey(ns)) return;
        var organization = deployment.OrganizationId.Value.ToString();
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject
            {
                ["name"] = ns,
                ["labels"] = new JsonObject
                {
                    ["app.kubernetes.io/part-of"] = "cleanscheduler", [ClusterNames.OrganizationLabel] = organization,
                    [ClusterNames.TeamLabel] = deployment.TeamId.Value.ToString(),
                },
            },
        };
        try { await kube.CreateAsync(KubeResource.Namespaces, body, cancellationToken); }
        catch (KubeConflictException e) when (e.AlreadyExists)
        {
            var existing = await kube.GetAsync(KubeResource.Namespaces, null, ns, cancellationToken);
            if ((string?)existing?["metadata"]?["labels"]?[ClusterNames.OrganizationLabel] is { } other && other != organization)
            {
                logger.LogError("Namespace {Namespace} is labelled {Label}={Other}, not organization {Organization}: not putting a deployment into it",
                    ns, ClusterNames.OrganizationLabel, other, organization);
                throw new NamespaceOfAnotherOrganizationException(ns);
            }
        }
        _namespaces.TryAdd(ns, 0);
    }

    private async Task PublishTemplateAsync(string ns, TemplateRef templateRef, string specText, CancellationToken cancellationToken)
    {
        var map = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = templateRef.ConfigMapName,
                ["namespace"] = ns,
                ["labels"] = new JsonObject { [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy },
            },
            ["data"] = new JsonObject { [TemplateConfigMap.Key] = specText },
        };
        await kube.ApplyAsync(KubeResource.ConfigMaps, map, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
    }

    private async Task WriteSecretAsync(Deployment deployment, string ns, IReadOnlyDictionary<string, string> values, string? ownerUid, CancellationToken cancellationToken)
    {
        var data = new JsonObject();
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
            data[name] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        var metadata = new JsonObject
        {
            ["name"] = ClusterNames.SecretName(deployment.Name),
            ["namespace"] = ns,
            ["labels"] = Labels(deployment),
        };
        if (ownerUid is not null)   // deleted with the UserDeployment by the garbage collector
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = CustomResources.ApiVersion, ["kind"] = "UserDeployment", ["name"] = deployment.Name, ["uid"] = ownerUid,
            });
        var secretObject = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = metadata, ["type"] = "Opaque", ["data"] = data };
        await kube.ApplyAsync(KubeResource.Secrets, secretObject, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
    }

    private static JsonObject Labels(Deployment deployment) => new()
    {
        [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy,
        [ClusterNames.DeploymentIdLabel] = deployment.Id.Value.ToString(),
        ["app.kubernetes.io/instance"] = deployment.Name,
    };

    /// <summary>The UserDeployment for a stored deployment. Secret values never go in it: only the Secret's name and keys.</summary>
    public static JsonObject UserDeployment(
        Deployment deployment, string ns, TemplateRef templateRef, Tier tier, TierLimits limits, IReadOnlyList<string> secretKeys)
    {
        var spec = new UserDeploymentSpec(
            deployment.State.ToCode(),
            new DeploymentOwner(deployment.OwnerHandle, deployment.CreatedBy.Value.ToString(), deployment.TeamId.Value.ToString(), deployment.OrganizationId.Value.ToString()),
            deployment.Id.Value.ToString(),
            tier.ToCode(),
            new LimitsSpec(limits.Isolation.ToCode(), limits.Quota is { } q ? new QuotaSpec(q.Cpu, q.Memory, q.Pods) : null),
            templateRef,
            Values: new SortedDictionary<string, string>(deployment.Values, StringComparer.Ordinal),
            SecretRefs: secretKeys.Count > 0 ? [new SecretRef(ClusterNames.SecretName(deployment.Name), secretKeys)] : null,
            Host: deployment.Host,
            Revision: deployment.Revision);
        var resource = CustomResources.ToJson(new UserDeploymentResource(
            new ObjectMeta(deployment.Name, ns, Labels: new Dictionary<string, string>
            {
                [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy,
                [ClusterNames.DeploymentIdLabel] = deployment.Id.Value.ToString(),
            }),
            spec));
        resource.Remove("status");
        return resource;
    }
}
