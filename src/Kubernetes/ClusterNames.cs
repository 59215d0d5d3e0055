using CleanScheduler.Domain.Common;

namespace CleanScheduler.Kubernetes;

/// <summary>Names and labels of what the server writes into the cluster for a deployment (the operator reads them too).</summary>
public static class ClusterNames
{
    public const string FieldManager = "cleanscheduler-server";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedBy = "cleanscheduler-server";
    public const string DeploymentIdLabel = KubeResource.SchedulerGroup + "/deployment-id";
    public const string OrganizationLabel = KubeResource.SchedulerGroup + "/organization";
    public const string TeamLabel = KubeResource.SchedulerGroup + "/team";
    public static readonly string Selector = $"{ManagedByLabel}={ManagedBy}";

    /// <summary>One ConfigMap per template version and namespace; the template id keeps same-named templates of two organizations apart.</summary>
    public static string TemplateRefName(TemplateId template) => template.Value.ToString();

    /// <summary>
    /// The Secret with one service's effective secrets (written by the server, or by an ExternalSecret of that name):
    /// <c>&lt;deployment&gt;.&lt;service&gt;.secrets</c>. Both are DNS labels without dots, so no two pairs share a name
    /// (<c>a</c> + <c>b-c</c> and <c>a-b</c> + <c>c</c> with dashes did), and none is the <c>&lt;deployment&gt;-secrets</c> of
    /// the single Secret versions before the three tiers wrote.
    /// </summary>
    public static string ServiceSecretName(string deployment, string service) => $"{deployment}.{service}.secrets";
}
