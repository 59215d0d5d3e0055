namespace CleanScheduler.Kubernetes;

/// <summary>A Kubernetes API resource: where its objects live on the API server and what they are called.</summary>
public sealed record KubeResource(string Group, string Version, string Plural, string Kind, bool Namespaced = true)
{
    public const string SchedulerGroup = "scheduler.cleanscheduler.io";
    public const string SchedulerVersion = "v1alpha1";

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary><c>/api/v1[/namespaces/NS]/PLURAL</c> or <c>/apis/GROUP/VERSION[/namespaces/NS]/PLURAL</c>; no namespace lists across all.</summary>
    public string CollectionPath(string? @namespace) =>
        (Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}")
        + (Namespaced && !string.IsNullOrEmpty(@namespace) ? $"/namespaces/{Uri.EscapeDataString(@namespace)}" : "")
        + "/" + Plural;

    public string ObjectPath(string? @namespace, string name, string? subresource = null) =>
        CollectionPath(@namespace) + "/" + Uri.EscapeDataString(name) + (subresource is null ? "" : "/" + subresource);

    public static readonly KubeResource Namespaces = new("", "v1", "namespaces", "Namespace", Namespaced: false);
    public static readonly KubeResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap");
    public static readonly KubeResource Secrets = new("", "v1", "secrets", "Secret");
    public static readonly KubeResource Services = new("", "v1", "services", "Service");
    public static readonly KubeResource Pods = new("", "v1", "pods", "Pod");
    public static readonly KubeResource ResourceQuotas = new("", "v1", "resourcequotas", "ResourceQuota");
    public static readonly KubeResource LimitRanges = new("", "v1", "limitranges", "LimitRange");
    public static readonly KubeResource Deployments = new("apps", "v1", "deployments", "Deployment");
    public static readonly KubeResource Jobs = new("batch", "v1", "jobs", "Job");
    public static readonly KubeResource Ingresses = new("networking.k8s.io", "v1", "ingresses", "Ingress");
    public static readonly KubeResource NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy");
    public static readonly KubeResource Leases = new("coordination.k8s.io", "v1", "leases", "Lease");
    public static readonly KubeResource ExternalSecrets = new("external-secrets.io", "v1beta1", "externalsecrets", "ExternalSecret");
    public static readonly KubeResource CustomResourceDefinitions = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", Namespaced: false);
    public static readonly KubeResource UserDeployments = new(SchedulerGroup, SchedulerVersion, "userdeployments", "UserDeployment");
    public static readonly KubeResource AgentTasks = new(SchedulerGroup, SchedulerVersion, "agenttasks", "AgentTask");
    public static readonly KubeResource Workflows = new(SchedulerGroup, SchedulerVersion, "workflows", "Workflow");

    public static IReadOnlyList<KubeResource> Known { get; } =
    [
        Namespaces, ConfigMaps, Secrets, Services, Pods, ResourceQuotas, LimitRanges, Deployments, Jobs, Ingresses,
        NetworkPolicies, Leases, ExternalSecrets, CustomResourceDefinitions, UserDeployments, AgentTasks, Workflows,
    ];

    /// <summary>The resource that serves objects of this apiVersion and kind; an error for a kind we do not write.</summary>
    public static KubeResource For(string apiVersion, string kind) =>
        Known.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind)
        ?? throw new ArgumentException($"no known resource serves {apiVersion} {kind}", nameof(kind));
}
