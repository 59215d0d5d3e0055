using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;
using k8s;
using k8s.Models;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// The one pure function that turns a deployment into Kubernetes objects (DESIGN.md §6), in apply order: Namespace,
/// ResourceQuota and LimitRange by tier, NetworkPolicy by isolation level, Secret (or ExternalSecret), ConfigMaps,
/// one Deployment and ClusterIP Service per service, and an Ingress for the public port. Objects of the deployment
/// carry ownerReferences when the owner is known; namespace-wide objects (shared by a user's deployments) do not.
/// Same input, same output: the server's manifest download, the operator and its render command all use it.
/// Built-in kinds are built as KubernetesClient models and handed out as the API's JSON (what apply sends).
/// </summary>
public static partial class ManifestRenderer
{
    public const string ManagedBy = "cleanscheduler";
    public const string LabelPrefix = "scheduler.cleanscheduler.io/";
    public const string QuotaName = "cleanscheduler-quota";
    public const string LimitRangeName = "cleanscheduler-limits";

    /// <summary>The most one config file may render to (its template text with every <c>{{ NAME }}</c> replaced).</summary>
    public const int MaxRenderedFileBytes = 256 * 1024;

    /// <summary>
    /// The most text one deployment may render to: every expansion of config files, env values and defaults, command
    /// and args, counted in UTF-8 bytes (Kubernetes refuses a ConfigMap over 1 MiB anyway).
    /// </summary>
    public const int MaxRenderedBytes = 1024 * 1024;

    /// <summary>The Degraded reason of a UserDeployment that renders to more than the limits allow.</summary>
    public const string RenderLimitReason = "RenderLimitExceeded";

    /// <summary>
    /// The objects of the deployment. Throws <see cref="UserDeploymentSpecException"/> (reason
    /// <see cref="RenderLimitReason"/>) when the text would exceed <see cref="MaxRenderedFileBytes"/> or
    /// <see cref="MaxRenderedBytes"/>: sizes are counted before anything is expanded, so nothing large is ever built.
    /// </summary>
    public static IReadOnlyList<JsonObject> Render(RenderInput input, RenderOptions options)
    {
        var (objects, problem) = TryRender(input, options);
        return objects ?? throw new UserDeploymentSpecException(problem!.Message, RenderLimitReason);
    }

    /// <summary>The objects, or (when the text would exceed the limits) why not: the limit's code, the spec path, a message.</summary>
    public static (IReadOnlyList<JsonObject>? Objects, RenderLimitProblem? Problem) TryRender(RenderInput input, RenderOptions options)
    {
        try { return (Render(input, options, new RenderBudget()), null); }
        catch (RenderLimitExceededException e) { return (null, new RenderLimitProblem(e.Code, e.Path, e.Message)); }
    }

    /// <summary>
    /// Why the deployment cannot be rendered within the limits, or null: the text of every service paid for in the order
    /// <see cref="Render(RenderInput, RenderOptions, RenderBudget)"/> pays it (env values and defaults, config files, env
    /// values, command, args), without building any object — the API checks this on every create and values change.
    /// </summary>
    public static RenderLimitProblem? CheckRenderLimits(RenderInput input)
    {
        try
        {
            var budget = new RenderBudget();
            for (var s = 0; s < input.Spec.Services.Count; s++)
            {
                var service = input.Spec.Services[s];
                var text = new ServiceText(input, service, $"services[{s}]", budget);
                for (var i = 0; i < service.ConfigFiles.Count; i++) text.File(i);
                for (var i = 0; i < service.Env.Count; i++)
                    if (!service.Env[i].Secret) text.EnvValue(service.Env[i], i);
                for (var i = 0; i < service.Command.Count; i++) text.Command(service.Command[i], $"command[{i}]");
                for (var i = 0; i < service.Args.Count; i++) text.Command(service.Args[i], $"args[{i}]");
            }
            return null;
        }
        catch (RenderLimitExceededException e) { return new RenderLimitProblem(e.Code, e.Path, e.Message); }
    }

    private static IReadOnlyList<JsonObject> Render(RenderInput input, RenderOptions options, RenderBudget budget)
    {
        var objects = new List<object> { Namespace(input) };
        if (input.Limits.Quota is { } quota) objects.Add(ResourceQuota(input, quota));
        objects.Add(LimitRange(input));
        if (!options.DisableNetworkPolicies) objects.Add(NetworkPolicy(input, options));

        var secretNames = SecretSettings(input);
        if (secretNames.Count > 0 && options.ClusterSecretStore is { } store) objects.Add(ExternalSecret(input, store, secretNames));
        else if (secretNames.Count > 0 && input.SecretRefs is null) objects.Add(Secret(input, secretNames));
        if (options.ClusterSecretStore is { } clusterStore)
            foreach (var set in input.ServiceSecrets ?? [])
                if (input.Spec.Services.FirstOrDefault(s => s.Name == set.Service) is { } owner) objects.Add(ServiceExternalSecret(input, clusterStore, owner, set));
        for (var s = 0; s < input.Spec.Services.Count; s++)
        {
            var service = input.Spec.Services[s];
            var text = new ServiceText(input, service, $"services[{s}]", budget);
            var config = ConfigMap(input, service, text);
            if (config is not null) objects.Add(config);
            objects.Add(Deployment(input, options, service, secretNames, config, text));
            if (service.Ports.Count > 0) objects.Add(Service(input, service));
        }
        if (input.Spec.Services.SelectMany(s => s.Ports.Select(p => (Service: s, Port: p))).FirstOrDefault(x => x.Port.Public) is { Service: not null } entry)
            objects.Add(Ingress(input, options, entry.Service, entry.Port));
        return objects.ConvertAll(ToJson);
    }

    /// <summary>A typed object as the API's JSON (KubernetesJson: camelCase, nulls left out, int-or-string and quantities as Kubernetes writes them).</summary>
    private static JsonObject ToJson(object obj) => obj as JsonObject ?? JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();

    public static string ObjectName(RenderInput input, ServiceSpec service) => $"{input.Name}-{service.Name}";

    public static string SecretName(RenderInput input) => $"{input.Name}-secrets";

    // --- namespace-wide objects -------------------------------------------------------------------------------

    /// <summary>
    /// The tenant namespace. Pod Security Admission enforces the <c>baseline</c> profile (no privileged containers, host
    /// namespaces, hostPath volumes or added dangerous capabilities, whatever created the pod) and warns and audits
    /// against <c>restricted</c>, at the cluster's own version of the profiles.
    /// </summary>
    private static V1Namespace Namespace(RenderInput input) => New<V1Namespace>(Metadata(input.Namespace, null, new Dictionary<string, string>
    {
        ["app.kubernetes.io/managed-by"] = ManagedBy,
        [LabelPrefix + "organization"] = input.OrganizationId.ToString(),
        [LabelPrefix + "tier"] = input.Tier.ToCode(),
        [LabelPrefix + "isolation"] = input.Limits.Isolation.ToCode(),
    }.Concat(PodSecurityLabels).ToDictionary()));

    /// <summary>The Pod Security Admission labels of every tenant namespace (see <see cref="Namespace(RenderInput)"/>).</summary>
    public static readonly IReadOnlyDictionary<string, string> PodSecurityLabels = new Dictionary<string, string>
    {
        ["pod-security.kubernetes.io/enforce"] = "baseline",
        ["pod-security.kubernetes.io/enforce-version"] = "latest",
        ["pod-security.kubernetes.io/warn"] = "restricted",
        ["pod-security.kubernetes.io/warn-version"] = "latest",
        ["pod-security.kubernetes.io/audit"] = "restricted",
        ["pod-security.kubernetes.io/audit-version"] = "latest",
    };

    private static V1ResourceQuota ResourceQuota(RenderInput input, ResourceQuotaLimits quota)
    {
        var resource = New<V1ResourceQuota>(Metadata(QuotaName, input.Namespace, NamespaceLabels(input)));
        resource.Spec = new V1ResourceQuotaSpec
        {
            Hard = new Dictionary<string, ResourceQuantity>
            {
                ["requests.cpu"] = Quantity(quota.Cpu, "limits.quota.cpu"),          // CPU limits are burst caps: the quota bounds what is reserved
                ["requests.memory"] = Quantity(quota.Memory, "limits.quota.memory"),
                ["limits.memory"] = Quantity(quota.Memory, "limits.quota.memory"),   // memory cannot be reclaimed: bound the limits too
                ["pods"] = new ResourceQuantity(quota.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            },
        };
        return resource;
    }

    /// <summary>The limits a container without its own gets (the LimitRange's default; every tier alike).</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultLimits = new Dictionary<string, string> { ["cpu"] = "500m", ["memory"] = "256Mi" };

    /// <summary>The requests a container without its own gets (the LimitRange's default request).</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultRequests = new Dictionary<string, string> { ["cpu"] = "100m", ["memory"] = "128Mi" };

    /// <summary>Defaults for containers without resources, so that the quota can always be enforced.</summary>
    private static V1LimitRange LimitRange(RenderInput input)
    {
        var range = New<V1LimitRange>(Metadata(LimitRangeName, input.Namespace, NamespaceLabels(input)));
        range.Spec = new V1LimitRangeSpec
        {
            Limits =
            [
                new V1LimitRangeItem
                {
                    Type = "Container",
                    DefaultProperty = DefaultLimits.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value)),
                    DefaultRequest = DefaultRequests.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value)),
                },
            ],
        };
        return range;
    }

    // --- per-deployment objects -----------------------------------------------------------------------------

    /// <summary>Addresses no tenant pod may reach by IP: private, carrier-grade NAT, link-local (the cloud metadata service at 169.254.169.254, fd00:ec2::254) and loopback ranges.</summary>
    public static readonly string[] BlockedIPv4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"];

    public static readonly string[] BlockedIPv6 = ["fc00::/7", "fe80::/10", "::1/128"];

    /// <summary>The address node-local DNS caches listen on by default (the only link-local address a pod may reach, on port 53).</summary>
    public const string NodeLocalDns = "169.254.20.10/32";

    /// <summary>
    /// Traffic isolation of the deployment's pods, by the plan's isolation level (docs/security.md has the table):
    /// <list type="bullet">
    /// <item>shared: in from pods of every shared-isolation tenant namespace and the ingress controller; out to DNS,
    /// the same pods, the ingress controller and the internet.</item>
    /// <item>namespace: in from pods of the same namespace and the ingress controller; out to DNS, the same namespace,
    /// the ingress controller and the internet.</item>
    /// <item>dedicated: in from the deployment's own pods and the ingress controller; out to DNS, the deployment's own
    /// pods, the ingress controller (public hosts served in the cluster) and the internet.</item>
    /// </list>
    /// "The internet" is every address but <see cref="BlockedIPv4"/> and <see cref="BlockedIPv6"/>: never the cloud
    /// metadata service or the rest of link-local, and no cluster-internal address (other tenants, the platform's
    /// own services) except through the pod selectors above. DNS is UDP/TCP 53 to the cluster's DNS pods and the
    /// node-local DNS cache address only; the ingress controller is reached on its web ports (80, 443) only.
    /// </summary>
    private static V1NetworkPolicy NetworkPolicy(RenderInput input, RenderOptions options)
    {
        var policy = New<V1NetworkPolicy>(Metadata($"{input.Name}-isolation", input.Namespace, InstanceLabels(input), input.Owner));
        var ingressController = new V1NetworkPolicyPeer
        {
            NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = options.IngressControllerNamespace } },
        };
        var peers = input.Limits.Isolation switch
        {
            NetworkIsolation.Shared => new V1NetworkPolicyPeer
            {
                NamespaceSelector = new V1LabelSelector
                {
                    MatchLabels = new Dictionary<string, string>
                    {
                        ["app.kubernetes.io/managed-by"] = ManagedBy,
                        [LabelPrefix + "isolation"] = NetworkIsolation.Shared.ToCode(),
                    },
                },
            },
            NetworkIsolation.Namespace => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() },
            _ => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = SelectorLabels(input) } },
        };
        policy.Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = SelectorLabels(input) },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [peers, ingressController] }],
            Egress =
            [
                DnsEgress(),
                new V1NetworkPolicyEgressRule { To = [peers] },
                new V1NetworkPolicyEgressRule
                {
                    // Public hosts served in this cluster, through the ingress controller's web ports only (not its admin,
                    // API or metrics ports, which can list every tenant's routes).
                    To = [ingressController],
                    Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = 80 }, new V1NetworkPolicyPort { Protocol = "TCP", Port = 443 }],
                },
                InternetEgress(),
            ],
        };
        return policy;
    }

    /// <summary>The name of the NetworkPolicy of a namespace's task pods (<see cref="TaskNetworkPolicy"/>).</summary>
    public const string TaskNetworkPolicyName = "cleanscheduler-task-isolation";

    /// <summary>
    /// Traffic isolation of the task pods of a namespace (the pods labelled with <paramref name="podLabels"/>): nothing
    /// comes in; out only DNS and the internet as for deployments (<see cref="NetworkPolicy"/>), never another pod,
    /// the Kubernetes API or the metadata service.
    /// </summary>
    public static JsonObject TaskNetworkPolicy(string ns, IReadOnlyDictionary<string, string> podLabels)
    {
        var policy = New<V1NetworkPolicy>(Metadata(TaskNetworkPolicyName, ns, new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = ManagedBy }));
        policy.Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = podLabels.ToDictionary() },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress = [],
            Egress = [DnsEgress(), InternetEgress()],
        };
        return ToJson(policy);
    }

    /// <summary>
    /// The cluster's DNS (kube-dns/CoreDNS pods; their Service address is translated to them before the policy is
    /// checked) and the usual node-local DNS cache address; nothing else on port 53.
    /// </summary>
    private static V1NetworkPolicyEgressRule DnsEgress() => new()
    {
        To =
        [
            new V1NetworkPolicyPeer
            {
                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "kube-system" } },
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" } },
            },
            new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = NodeLocalDns } },
        ],
        Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }, new V1NetworkPolicyPort { Protocol = "TCP", Port = 53 }],
    };

    /// <summary>Every address but <see cref="BlockedIPv4"/> and <see cref="BlockedIPv6"/>.</summary>
    private static V1NetworkPolicyEgressRule InternetEgress() => new()
    {
        To =
        [
            new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = BlockedIPv4 } },
            new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "::/0", Except = BlockedIPv6 } },
        ],
    };

    private static V1Secret Secret(RenderInput input, IReadOnlyList<string> names)
    {
        var metadata = Metadata(SecretName(input), input.Namespace, InstanceLabels(input), input.Owner);
        if (names.Any(n => input.Secrets.GetValueOrDefault(n) is null))
            metadata.Annotations = new Dictionary<string, string> { [LabelPrefix + "redacted"] = "true" };
        var secret = New<V1Secret>(metadata);
        secret.Type = "Opaque";
        secret.StringData = names.ToDictionary(n => n, n => input.Secrets.GetValueOrDefault(n) ?? "", StringComparer.Ordinal);
        return secret;
    }

    /// <summary>
    /// With CLUSTER_SECRET_STORE: the External Secrets Operator fills the Secret from users/{id}/deployments/{name}.
    /// Not a built-in kind, so not a KubernetesClient model: the object is written as JSON.
    /// </summary>
    private static JsonObject ExternalSecret(RenderInput input, string store, IReadOnlyList<string> names)
    {
        var data = new JsonArray();
        foreach (var name in names)
            data.Add((JsonNode)new JsonObject
            {
                ["secretKey"] = name,
                ["remoteRef"] = new JsonObject { ["key"] = $"users/{input.OwnerUserId}/deployments/{input.Name}", ["property"] = name },
            });
        return new JsonObject
        {
            ["apiVersion"] = KubeResource.ExternalSecrets.ApiVersion,
            ["kind"] = KubeResource.ExternalSecrets.Kind,
            ["metadata"] = ToJson(Metadata(SecretName(input), input.Namespace, InstanceLabels(input), input.Owner)),
            ["spec"] = new JsonObject
            {
                ["refreshInterval"] = "1h",
                ["secretStoreRef"] = new JsonObject { ["name"] = store, ["kind"] = "ClusterSecretStore" },
                ["target"] = new JsonObject { ["name"] = SecretName(input), ["creationPolicy"] = "Owner" },
                ["data"] = data,
            },
        };
    }

    /// <summary>The pod template annotation that carries the checksum of a service's secret values.</summary>
    public const string SecretsChecksumAnnotation = "checksum/secrets";

    /// <summary>
    /// With CLUSTER_SECRET_STORE: the External Secrets Operator fills the service's Secret; each key reads the backend path
    /// of the tier it comes from (remoteRef.key = the path, property = the key), as the server stored it.
    /// </summary>
    private static JsonObject ServiceExternalSecret(RenderInput input, string store, ServiceSpec service, ServiceSecretsSpec set)
    {
        var data = new JsonArray();
        foreach (var key in set.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
            data.Add((JsonNode)new JsonObject
            {
                ["secretKey"] = key.Key,
                ["remoteRef"] = new JsonObject { ["key"] = key.RemoteKey ?? "", ["property"] = key.Key },
            });
        return new JsonObject
        {
            ["apiVersion"] = KubeResource.ExternalSecrets.ApiVersion,
            ["kind"] = KubeResource.ExternalSecrets.Kind,
            ["metadata"] = ToJson(Metadata(set.SecretName, input.Namespace, ServiceLabels(input, service), input.Owner)),
            ["spec"] = new JsonObject
            {
                ["refreshInterval"] = "1h",
                ["secretStoreRef"] = new JsonObject { ["name"] = store, ["kind"] = "ClusterSecretStore" },
                ["target"] = new JsonObject { ["name"] = set.SecretName, ["creationPolicy"] = "Owner" },
                ["data"] = data,
            },
        };
    }

    private static V1ConfigMap? ConfigMap(RenderInput input, ServiceSpec service, ServiceText text)
    {
        if (service.ConfigFiles.Count == 0) return null;
        var map = New<V1ConfigMap>(Metadata($"{ObjectName(input, service)}-config", input.Namespace, ServiceLabels(input, service), input.Owner));
        map.Data = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < service.ConfigFiles.Count; i++)
            map.Data[ConfigKey(service, i)] = text.File(i);
        return map;
    }

    private static V1Deployment Deployment(RenderInput input, RenderOptions options, ServiceSpec service, IReadOnlyList<string> secrets, V1ConfigMap? config, ServiceText text)
    {
        var deployment = New<V1Deployment>(Metadata(ObjectName(input, service), input.Namespace, ServiceLabels(input, service), input.Owner));
        var env = Env(input, options, service, secrets, text);
        var container = new V1Container
        {
            Name = service.Name,
            Image = service.Image,
            Command = service.Command.Count > 0 ? service.Command.Select((c, i) => text.Command(c, $"command[{i}]")).ToList() : null,
            Args = service.Args.Count > 0 ? service.Args.Select((a, i) => text.Command(a, $"args[{i}]")).ToList() : null,
            Ports = service.Ports.Count > 0 ? service.Ports.Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.Port, Protocol = "TCP" }).ToList() : null,
            Env = env.Count > 0 ? env : null,
            Resources = Resources(service.Resources),
            ReadinessProbe = service.HealthCheck is { } ready ? Probe(ready, initialDelay: 5, period: 10, failures: 3) : null,
            LivenessProbe = service.HealthCheck is { } live ? Probe(live, initialDelay: 30, period: 20, failures: 6) : null,
            SecurityContext = ContainerSecurity(),
        };
        var podSpec = new V1PodSpec
        {
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            SecurityContext = new V1PodSecurityContext { SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers = [container],
        };
        if (config is not null)
        {
            container.VolumeMounts = service.ConfigFiles.Select((f, i) => new V1VolumeMount
            {
                Name = "config", MountPath = f.Path, SubPath = ConfigKey(service, i), ReadOnlyProperty = true,
            }).ToList();
            podSpec.Volumes = [new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = config.Metadata.Name } }];
        }
        var set = ServiceSecretsOf(input, service);
        var mounts = set is null ? [] : service.SecretMounts.Where(m => set.Keys.Any(k => k.Key == m.Key)).ToList();
        if (mounts.Count > 0)
        {
            container.VolumeMounts = [.. container.VolumeMounts ?? [], .. mounts.Select(m => new V1VolumeMount
            {
                Name = "secrets", MountPath = m.MountPath, SubPath = m.Key, ReadOnlyProperty = true,
            })];
            podSpec.Volumes = [.. podSpec.Volumes ?? [], new V1Volume { Name = "secrets", Secret = new V1SecretVolumeSource { SecretName = set!.SecretName } }];
        }
        var annotations = new Dictionary<string, string> { [LabelPrefix + "config-hash"] = ConfigHash(input, config) };
        if (set?.Checksum is { } checksum) annotations[SecretsChecksumAnnotation] = checksum;   // a changed value rolls the pods
        deployment.Spec = new V1DeploymentSpec
        {
            Replicas = input.Running ? service.Replicas : 0,
            RevisionHistoryLimit = 3,
            Selector = new V1LabelSelector { MatchLabels = ServiceSelector(input, service) },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta
                {
                    Labels = ServiceLabels(input, service),
                    Annotations = annotations,
                },
                Spec = podSpec,
            },
        };
        return deployment;
    }

    private static V1Service Service(RenderInput input, ServiceSpec service)
    {
        var svc = New<V1Service>(Metadata(ObjectName(input, service), input.Namespace, ServiceLabels(input, service), input.Owner));
        svc.Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = ServiceSelector(input, service),
            Ports = service.Ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, TargetPort = p.Name, Protocol = "TCP" }).ToList(),
        };
        return svc;
    }

    private static V1Ingress Ingress(RenderInput input, RenderOptions options, ServiceSpec service, PortSpec port)
    {
        var metadata = Metadata(input.Name, input.Namespace, InstanceLabels(input), input.Owner);
        metadata.Annotations = new Dictionary<string, string>
        {
            ["cert-manager.io/cluster-issuer"] = options.ClusterIssuer,
            ["external-dns.alpha.kubernetes.io/hostname"] = input.Host,
            ["traefik.ingress.kubernetes.io/router.entrypoints"] = "websecure",
            ["traefik.ingress.kubernetes.io/router.tls"] = "true",
        };
        var ingress = New<V1Ingress>(metadata);
        ingress.Spec = new V1IngressSpec
        {
            IngressClassName = options.IngressClass,
            Tls = [new V1IngressTLS { Hosts = [input.Host], SecretName = $"{input.Name}-tls" }],
            Rules =
            [
                new V1IngressRule
                {
                    Host = input.Host,
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths =
                        [
                            new V1HTTPIngressPath
                            {
                                Path = "/",
                                PathType = "Prefix",
                                Backend = new V1IngressBackend
                                {
                                    Service = new V1IngressServiceBackend { Name = ObjectName(input, service), Port = new V1ServiceBackendPort { Number = port.Port } },
                                },
                            },
                        ],
                    },
                },
            ],
        };
        return ingress;
    }

    // --- pieces ----------------------------------------------------------------------------------------------

    private static List<V1EnvVar> Env(RenderInput input, RenderOptions options, ServiceSpec service, IReadOnlyList<string> secrets, ServiceText text)
    {
        var env = new List<V1EnvVar>();
        var set = ServiceSecretsOf(input, service);
        var injected = set is null ? [] : set.Keys.Select(k => k.Key).Where(k => service.SecretMounts.All(m => m.Key != k)).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < service.Env.Count; i++)
        {
            var setting = service.Env[i];
            if (injected.Remove(setting.Name))   // a secret of the service's tiers: it also replaces a plain setting of that name
            {
                env.Add(SecretEnv(set!.SecretName, setting.Name));
                continue;
            }
            if (setting.Secret)
            {
                if (!secrets.Contains(setting.Name)) continue;
                env.Add(new V1EnvVar
                {
                    Name = setting.Name,
                    ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = SecretObjectOf(input, setting.Name, options), Key = setting.Name } },
                });
                continue;
            }
            var value = text.EnvValue(setting, i);
            if (value is not null) env.Add(new V1EnvVar { Name = setting.Name, Value = value });
        }
        env.AddRange(injected.Order(StringComparer.Ordinal).Select(key => SecretEnv(set!.SecretName, key)));
        return env;
    }

    private static V1EnvVar SecretEnv(string secret, string key) =>
        new() { Name = key, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key } } };

    private static ServiceSecretsSpec? ServiceSecretsOf(RenderInput input, ServiceSpec service) =>
        input.ServiceSecrets?.FirstOrDefault(s => s.Service == service.Name && s.Keys.Count > 0);

    /// <summary>
    /// The text of one service with <c>{{ NAME }}</c> replaced, every piece paid for from the deployment's budget before
    /// it is built. Values for {{ NAME }}: built-ins, the service's plain settings (given or default). In command and
    /// args a secret setting becomes $(NAME), which Kubernetes expands from the container's environment, so the value
    /// never appears in the pod spec; in files and env values, secrets are not substituted.
    /// </summary>
    private sealed class ServiceText
    {
        private readonly RenderInput _input;
        private readonly ServiceSpec _service;
        private readonly string _at;
        private readonly RenderBudget _budget;
        private readonly Dictionary<string, string> _text;
        private readonly Dictionary<string, string> _command;

        public ServiceText(RenderInput input, ServiceSpec service, string at, RenderBudget budget)
        {
            (_input, _service, _at, _budget) = (input, service, at, budget);
            var builtIns = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["DEPLOYMENT_NAME"] = input.Name,
                ["DEPLOYMENT_HOST"] = input.Host,
            };
            _text = new Dictionary<string, string>(builtIns, StringComparer.Ordinal);
            _command = new Dictionary<string, string>(builtIns, StringComparer.Ordinal);
            for (var i = 0; i < service.Env.Count; i++)
            {
                var setting = service.Env[i];
                if (setting.Secret) { _command[setting.Name] = $"$({setting.Name})"; continue; }
                string value;
                if (input.Values.TryGetValue(setting.Name, out var given)) value = budget.Take(given, $"{at}.env[{i}]");
                else if (setting.Default is { } fallback) value = budget.Expand(fallback, builtIns, $"{at}.env[{i}].default");
                else continue;
                _text[setting.Name] = _command[setting.Name] = value;
            }
        }

        public string File(int index) =>
            _budget.Expand(_service.ConfigFiles[index].Content, _text, $"{_at}.configFiles[{index}].content", MaxRenderedFileBytes);

        public string Command(string item, string field) => _budget.Expand(item, _command, $"{_at}.{field}");

        /// <summary>The value of a plain setting: given, or its default with every {{ NAME }} filled; null when it has neither.</summary>
        public string? EnvValue(EnvSpec setting, int index) =>
            _input.Values.TryGetValue(setting.Name, out var given) ? given
            : setting.Default is { } fallback ? _budget.Expand(fallback, _text, $"{_at}.env[{index}].default")
            : null;
    }

    /// <summary>What is left of <see cref="MaxRenderedBytes"/> for one render.</summary>
    private sealed class RenderBudget
    {
        private long _left = MaxRenderedBytes;

        public string Take(string value, string path)
        {
            Pay(System.Text.Encoding.UTF8.GetByteCount(value), path, long.MaxValue);
            return value;
        }

        public string Expand(string template, IReadOnlyDictionary<string, string> values, string path, long itemLimit = long.MaxValue)
        {
            Pay(TemplateSpecRules.SubstitutedSize(template, values, Math.Min(itemLimit, _left)), path, itemLimit);
            return TemplateSpecRules.Substitute(template, values);
        }

        private void Pay(long size, string path, long itemLimit)
        {
            if (size > itemLimit)
                throw new RenderLimitExceededException("render.file_too_large", path,
                    $"{path} renders to more than {itemLimit / 1024} KiB once its {{{{ NAME }}}} variables are filled in.");
            if (size > _left)
                throw new RenderLimitExceededException("render.too_large", path,
                    $"The deployment renders to more than {MaxRenderedBytes / 1024 / 1024} MiB of config files, env values, command and args (the limit was passed at {path}).");
            _left -= size;
        }
    }

    private sealed class RenderLimitExceededException(string code, string path, string message) : Exception(message)
    {
        public string Code { get; } = code;
        public string Path { get; } = path;
    }

    /// <summary>The Secret a secret setting is read from: ours (or the ExternalSecret's target), or the one referenced.</summary>
    private static string SecretObjectOf(RenderInput input, string setting, RenderOptions options) =>
        options.ClusterSecretStore is null && input.SecretRefs?.GetValueOrDefault(setting) is { } referenced ? referenced : SecretName(input);

    private static IReadOnlyList<string> SecretSettings(RenderInput input) =>
        input.Spec.Services.SelectMany(s => s.Env).Where(e => e.Secret && (input.SecretRefs?.ContainsKey(e.Name) ?? input.Secrets.ContainsKey(e.Name)))
            .Select(e => e.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private static V1ResourceRequirements? Resources(ResourceSpec? resources)
    {
        static Dictionary<string, ResourceQuantity>? Amounts(ResourceAmounts? amounts, string at)
        {
            if (amounts is null || (amounts.Cpu is null && amounts.Memory is null)) return null;
            var values = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
            if (amounts.Cpu is not null) values["cpu"] = Quantity(amounts.Cpu, $"resources.{at}.cpu");
            if (amounts.Memory is not null) values["memory"] = Quantity(amounts.Memory, $"resources.{at}.memory");
            return values;
        }
        if (resources is null) return null;
        var (requests, limits) = (Amounts(resources.Requests, "requests"), Amounts(resources.Limits, "limits"));
        return requests is null && limits is null ? null : new V1ResourceRequirements { Requests = requests, Limits = limits };
    }

    /// <summary>
    /// A quantity in the canonical form the API server stores (0.5 is 500m, 1024Mi is 1Gi). Templates are checked to hold
    /// quantities; a UserDeployment's spec.limits.quota is not (its schema says string), so that one can fail here.
    /// </summary>
    private static ResourceQuantity Quantity(string text, string field)
    {
        try { return new ResourceQuantity(text); }
        catch (FormatException) { throw new UserDeploymentSpecException($"{field} '{text}' is not a Kubernetes quantity"); }
    }

    /// <summary>
    /// Capabilities a common image's entrypoint needs as root (chown its data directory, drop to its own user, bind a
    /// port below 1024, signal its workers): the runtime's default set without NET_RAW, MKNOD, AUDIT_WRITE, SETFCAP,
    /// SETPCAP and SYS_CHROOT. Within the baseline Pod Security profile, so official images such as nginx, postgres and
    /// redis still start; an image that runs as non-root needs none of them.
    /// </summary>
    public static readonly string[] KeptCapabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETGID", "SETUID"];

    /// <summary>Every container: no privilege escalation (setuid binaries, no_new_privs), the runtime's default seccomp profile, only <see cref="KeptCapabilities"/>.</summary>
    /// <summary>The securityContext every container gets, as the API's JSON.</summary>
    public static JsonObject ContainerSecurityJson() => ToJson(ContainerSecurity());

    private static V1SecurityContext ContainerSecurity() => new()
    {
        AllowPrivilegeEscalation = false,
        Privileged = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"], Add = KeptCapabilities },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    private static V1Probe Probe(HealthCheckSpec health, int initialDelay, int period, int failures) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = health.Path, Port = health.Port },
        InitialDelaySeconds = initialDelay,
        PeriodSeconds = period,
        FailureThreshold = failures,
    };

    /// <summary>A ConfigMap key per file: its base name made key-safe, prefixed by its index so two files never clash.</summary>
    private static string ConfigKey(ServiceSpec service, int index)
    {
        var baseName = service.ConfigFiles[index].Path[(service.ConfigFiles[index].Path.LastIndexOf('/') + 1)..];
        var safe = UnsafeKeyCharacters().Replace(baseName, "_");
        return $"{index}-{(safe.Length > 200 ? safe[..200] : safe)}";
    }

    /// <summary>A string map as JSON text, written as JsonSerializer writes one with its default options (no reflection).</summary>
    private static string JsonText(IDictionary<string, string>? map)
    {
        if (map is null) return "null";
        var json = new JsonObject();
        foreach (var (key, value) in map) json[key] = value;
        return json.ToJsonString();
    }

    /// <summary>Changes when the files or the values change, so that the pods roll even though the image did not.</summary>
    private static string ConfigHash(RenderInput input, V1ConfigMap? config)
    {
        var text = new StringBuilder();
        if (config is not null) text.Append(JsonText(config.Data));   // the data as JSON, keys in file order
        foreach (var (name, value) in input.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) text.Append('\n').Append(name).Append('=').Append(value);
        foreach (var name in input.Secrets.Keys.Order(StringComparer.Ordinal))
            text.Append('\n').Append(name).Append("#=").Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input.Secrets[name] ?? ""))));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>A new object of a built-in kind, its apiVersion and kind from the model's <see cref="KubernetesEntityAttribute"/>.</summary>
    private static T New<T>(V1ObjectMeta metadata) where T : IKubernetesObject<V1ObjectMeta>, new()
    {
        var obj = new T { ApiVersion = Entity<T>.ApiVersion, Kind = Entity<T>.Kind };
        obj.Metadata = metadata;
        return obj;
    }

    private static class Entity<T>
    {
        private static readonly KubernetesEntityAttribute Attribute = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()!;
        public static readonly string ApiVersion = Attribute.Group.Length == 0 ? Attribute.ApiVersion : $"{Attribute.Group}/{Attribute.ApiVersion}";
        public static readonly string Kind = Attribute.Kind;
    }

    private static V1ObjectMeta Metadata(string name, string? @namespace, Dictionary<string, string> labels, OwnerObject? owner = null) => new()
    {
        Name = name,
        NamespaceProperty = @namespace,
        Labels = labels,
        OwnerReferences = owner is null ? null :
        [
            new V1OwnerReference
            {
                ApiVersion = owner.ApiVersion, Kind = owner.Kind, Name = owner.Name, Uid = owner.Uid, Controller = true, BlockOwnerDeletion = true,
            },
        ],
    };

    private static Dictionary<string, string> NamespaceLabels(RenderInput input) => new()
    {
        ["app.kubernetes.io/managed-by"] = ManagedBy,
        [LabelPrefix + "tier"] = input.Tier.ToCode(),
    };

    private static Dictionary<string, string> InstanceLabels(RenderInput input) => new()
    {
        ["app.kubernetes.io/instance"] = input.Name,
        ["app.kubernetes.io/managed-by"] = ManagedBy,
        ["app.kubernetes.io/part-of"] = input.Name,
        [LabelPrefix + "deployment-id"] = input.DeploymentId.ToString(),
        [LabelPrefix + "organization"] = input.OrganizationId.ToString(),
        [LabelPrefix + "team"] = input.TeamId.ToString(),
        [LabelPrefix + "tier"] = input.Tier.ToCode(),
    };

    private static Dictionary<string, string> ServiceLabels(RenderInput input, ServiceSpec service)
    {
        var labels = InstanceLabels(input);
        labels["app.kubernetes.io/name"] = service.Name;
        labels["app.kubernetes.io/component"] = service.Name;
        return labels;
    }

    private static Dictionary<string, string> SelectorLabels(RenderInput input) => new() { ["app.kubernetes.io/instance"] = input.Name };

    private static Dictionary<string, string> ServiceSelector(RenderInput input, ServiceSpec service) => new()
    {
        ["app.kubernetes.io/instance"] = input.Name,
        ["app.kubernetes.io/name"] = service.Name,
    };

    [GeneratedRegex("[^-._a-zA-Z0-9]")]
    private static partial Regex UnsafeKeyCharacters();
}
