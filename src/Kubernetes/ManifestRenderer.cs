using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// The one pure function that turns a deployment into Kubernetes objects (DESIGN.md §6), in apply order: Namespace,
/// ResourceQuota and LimitRange by tier, NetworkPolicy by isolation level, Secret (or ExternalSecret), ConfigMaps,
/// one Deployment and ClusterIP Service per service, and an Ingress for the public port. Objects of the deployment
/// carry ownerReferences when the owner is known; namespace-wide objects (shared by a user's deployments) do not.
/// Same input, same output: the server's manifest download, the operator and its render command all use it.
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

    /// <summary>Why the deployment cannot be rendered within the limits, or null.</summary>
    public static RenderLimitProblem? CheckRenderLimits(RenderInput input) => TryRender(input, new RenderOptions()).Problem;

    private static IReadOnlyList<JsonObject> Render(RenderInput input, RenderOptions options, RenderBudget budget)
    {
        var objects = new List<JsonObject> { Namespace(input) };
        if (input.Limits.Quota is { } quota) objects.Add(ResourceQuota(input, quota));
        objects.Add(LimitRange(input));
        if (!options.DisableNetworkPolicies) objects.Add(NetworkPolicy(input, options));

        var secretNames = SecretSettings(input);
        if (secretNames.Count > 0 && options.ClusterSecretStore is { } store) objects.Add(ExternalSecret(input, store, secretNames));
        else if (secretNames.Count > 0 && input.SecretRefs is null) objects.Add(Secret(input, secretNames));
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
        return objects;
    }

    public static string ObjectName(RenderInput input, ServiceSpec service) => $"{input.Name}-{service.Name}";

    public static string SecretName(RenderInput input) => $"{input.Name}-secrets";

    // --- namespace-wide objects -------------------------------------------------------------------------------

    /// <summary>
    /// The tenant namespace. Pod Security Admission enforces the <c>baseline</c> profile (no privileged containers, host
    /// namespaces, hostPath volumes or added dangerous capabilities, whatever created the pod) and warns and audits
    /// against <c>restricted</c>, at the cluster's own version of the profiles.
    /// </summary>
    private static JsonObject Namespace(RenderInput input) => Object("v1", "Namespace", Metadata(input.Namespace, null, new JsonObject
    {
        ["app.kubernetes.io/managed-by"] = ManagedBy,
        [LabelPrefix + "organization"] = input.OrganizationId.ToString(),
        [LabelPrefix + "tier"] = input.Tier.ToCode(),
        [LabelPrefix + "isolation"] = input.Limits.Isolation.ToCode(),
        ["pod-security.kubernetes.io/enforce"] = "baseline",
        ["pod-security.kubernetes.io/enforce-version"] = "latest",
        ["pod-security.kubernetes.io/warn"] = "restricted",
        ["pod-security.kubernetes.io/warn-version"] = "latest",
        ["pod-security.kubernetes.io/audit"] = "restricted",
        ["pod-security.kubernetes.io/audit-version"] = "latest",
    }));

    private static JsonObject ResourceQuota(RenderInput input, ResourceQuotaLimits quota)
    {
        var resource = Object("v1", "ResourceQuota", Metadata(QuotaName, input.Namespace, NamespaceLabels(input)));
        resource["spec"] = new JsonObject
        {
            ["hard"] = new JsonObject
            {
                ["requests.cpu"] = quota.Cpu,          // CPU limits are burst caps: the quota bounds what is reserved
                ["requests.memory"] = quota.Memory,
                ["limits.memory"] = quota.Memory,      // memory cannot be reclaimed: bound the limits too
                ["pods"] = quota.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        return resource;
    }

    /// <summary>Defaults for containers without resources, so that the quota can always be enforced.</summary>
    private static JsonObject LimitRange(RenderInput input)
    {
        var range = Object("v1", "LimitRange", Metadata(LimitRangeName, input.Namespace, NamespaceLabels(input)));
        range["spec"] = new JsonObject
        {
            ["limits"] = new JsonArray(new JsonObject
            {
                ["type"] = "Container",
                ["default"] = new JsonObject { ["cpu"] = "500m", ["memory"] = "256Mi" },
                ["defaultRequest"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" },
            }),
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
    private static JsonObject NetworkPolicy(RenderInput input, RenderOptions options)
    {
        var policy = Object("networking.k8s.io/v1", "NetworkPolicy", Metadata($"{input.Name}-isolation", input.Namespace, InstanceLabels(input), input.Owner));
        var ingressController = new JsonObject
        {
            ["namespaceSelector"] = new JsonObject
            {
                ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = options.IngressControllerNamespace },
            },
        };
        JsonObject peers = input.Limits.Isolation switch
        {
            NetworkIsolation.Shared => new JsonObject
            {
                ["namespaceSelector"] = new JsonObject
                {
                    ["matchLabels"] = new JsonObject
                    {
                        ["app.kubernetes.io/managed-by"] = ManagedBy,
                        [LabelPrefix + "isolation"] = NetworkIsolation.Shared.ToCode(),
                    },
                },
            },
            NetworkIsolation.Namespace => new JsonObject { ["podSelector"] = new JsonObject() },
            _ => new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = SelectorLabels(input) } },
        };
        policy["spec"] = new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = SelectorLabels(input) },
            ["policyTypes"] = new JsonArray("Ingress", "Egress"),
            ["ingress"] = new JsonArray(new JsonObject { ["from"] = new JsonArray(peers.DeepClone(), ingressController) }),
            ["egress"] = new JsonArray(
                new JsonObject
                {
                    // The cluster's DNS (kube-dns/CoreDNS pods; their Service address is translated to them before the
                    // policy is checked) and the usual node-local DNS cache address; nothing else on port 53.
                    ["to"] = new JsonArray(
                        new JsonObject
                        {
                            ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "kube-system" } },
                            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["k8s-app"] = "kube-dns" } },
                        },
                        new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = NodeLocalDns } }),
                    ["ports"] = new JsonArray(
                        new JsonObject { ["protocol"] = "UDP", ["port"] = 53 },
                        new JsonObject { ["protocol"] = "TCP", ["port"] = 53 }),
                },
                new JsonObject { ["to"] = new JsonArray(peers) },
                new JsonObject
                {
                    // Public hosts served in this cluster, through the ingress controller's web ports only (not its admin,
                    // API or metrics ports, which can list every tenant's routes).
                    ["to"] = new JsonArray(ingressController.DeepClone()),
                    ["ports"] = new JsonArray(
                        new JsonObject { ["protocol"] = "TCP", ["port"] = 80 },
                        new JsonObject { ["protocol"] = "TCP", ["port"] = 443 }),
                },
                new JsonObject
                {
                    ["to"] = new JsonArray(
                        new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "0.0.0.0/0", ["except"] = Strings(BlockedIPv4) } },
                        new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "::/0", ["except"] = Strings(BlockedIPv6) } }),
                }),
        };
        return policy;
    }

    private static JsonObject Secret(RenderInput input, IReadOnlyList<string> names)
    {
        var redacted = names.Any(n => input.Secrets.GetValueOrDefault(n) is null);
        var metadata = Metadata(SecretName(input), input.Namespace, InstanceLabels(input), input.Owner);
        if (redacted) metadata["annotations"] = new JsonObject { [LabelPrefix + "redacted"] = "true" };
        var secret = Object("v1", "Secret", metadata);
        secret["type"] = "Opaque";
        var data = new JsonObject();
        foreach (var name in names) data[name] = input.Secrets.GetValueOrDefault(name) ?? "";
        secret["stringData"] = data;
        return secret;
    }

    /// <summary>With CLUSTER_SECRET_STORE: the External Secrets Operator fills the Secret from users/{id}/deployments/{name}.</summary>
    private static JsonObject ExternalSecret(RenderInput input, string store, IReadOnlyList<string> names)
    {
        var external = Object("external-secrets.io/v1beta1", "ExternalSecret", Metadata(SecretName(input), input.Namespace, InstanceLabels(input), input.Owner));
        var data = new JsonArray();
        foreach (var name in names)
            data.Add(new JsonObject
            {
                ["secretKey"] = name,
                ["remoteRef"] = new JsonObject { ["key"] = $"users/{input.OwnerUserId}/deployments/{input.Name}", ["property"] = name },
            });
        external["spec"] = new JsonObject
        {
            ["refreshInterval"] = "1h",
            ["secretStoreRef"] = new JsonObject { ["name"] = store, ["kind"] = "ClusterSecretStore" },
            ["target"] = new JsonObject { ["name"] = SecretName(input), ["creationPolicy"] = "Owner" },
            ["data"] = data,
        };
        return external;
    }

    private static JsonObject? ConfigMap(RenderInput input, ServiceSpec service, ServiceText text)
    {
        if (service.ConfigFiles.Count == 0) return null;
        var map = Object("v1", "ConfigMap", Metadata($"{ObjectName(input, service)}-config", input.Namespace, ServiceLabels(input, service), input.Owner));
        var data = new JsonObject();
        for (var i = 0; i < service.ConfigFiles.Count; i++)
            data[ConfigKey(service, i)] = text.File(i);
        map["data"] = data;
        return map;
    }

    private static JsonObject Deployment(RenderInput input, RenderOptions options, ServiceSpec service, IReadOnlyList<string> secrets, JsonObject? config, ServiceText text)
    {
        var labels = ServiceLabels(input, service);
        var deployment = Object("apps/v1", "Deployment", Metadata(ObjectName(input, service), input.Namespace, labels, input.Owner));
        var container = new JsonObject { ["name"] = service.Name, ["image"] = service.Image };
        if (service.Command.Count > 0) container["command"] = Strings(service.Command.Select((c, i) => text.Command(c, $"command[{i}]")));
        if (service.Args.Count > 0) container["args"] = Strings(service.Args.Select((a, i) => text.Command(a, $"args[{i}]")));
        if (service.Ports.Count > 0)
            container["ports"] = new JsonArray(service.Ports.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name, ["containerPort"] = p.Port, ["protocol"] = "TCP",
            }).ToArray());
        var env = Env(input, options, service, secrets, text);
        if (env.Count > 0) container["env"] = env;
        if (Resources(service.Resources) is { } resources) container["resources"] = resources;
        if (service.HealthCheck is { } health)
        {
            container["readinessProbe"] = Probe(health, initialDelay: 5, period: 10, failures: 3);
            container["livenessProbe"] = Probe(health, initialDelay: 30, period: 20, failures: 6);
        }
        container["securityContext"] = ContainerSecurity();
        var podSpec = new JsonObject
        {
            ["automountServiceAccountToken"] = false,
            ["enableServiceLinks"] = false,
            ["securityContext"] = new JsonObject { ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" } },
            ["containers"] = new JsonArray(container),
        };
        if (config is not null)
        {
            container["volumeMounts"] = new JsonArray(service.ConfigFiles.Select((f, i) => (JsonNode)new JsonObject
            {
                ["name"] = "config", ["mountPath"] = f.Path, ["subPath"] = ConfigKey(service, i), ["readOnly"] = true,
            }).ToArray());
            podSpec["volumes"] = new JsonArray(new JsonObject
            {
                ["name"] = "config",
                ["configMap"] = new JsonObject { ["name"] = config["metadata"]!["name"]!.GetValue<string>() },
            });
        }
        deployment["spec"] = new JsonObject
        {
            ["replicas"] = input.Running ? service.Replicas : 0,
            ["revisionHistoryLimit"] = 3,
            ["selector"] = new JsonObject { ["matchLabels"] = ServiceSelector(input, service) },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["labels"] = ServiceLabels(input, service),
                    ["annotations"] = new JsonObject { [LabelPrefix + "config-hash"] = ConfigHash(input, service, config) },
                },
                ["spec"] = podSpec,
            },
        };
        return deployment;
    }

    private static JsonObject Service(RenderInput input, ServiceSpec service)
    {
        var svc = Object("v1", "Service", Metadata(ObjectName(input, service), input.Namespace, ServiceLabels(input, service), input.Owner));
        svc["spec"] = new JsonObject
        {
            ["type"] = "ClusterIP",
            ["selector"] = ServiceSelector(input, service),
            ["ports"] = new JsonArray(service.Ports.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name, ["port"] = p.Port, ["targetPort"] = p.Name, ["protocol"] = "TCP",
            }).ToArray()),
        };
        return svc;
    }

    private static JsonObject Ingress(RenderInput input, RenderOptions options, ServiceSpec service, PortSpec port)
    {
        var metadata = Metadata(input.Name, input.Namespace, InstanceLabels(input), input.Owner);
        metadata["annotations"] = new JsonObject
        {
            ["cert-manager.io/cluster-issuer"] = options.ClusterIssuer,
            ["external-dns.alpha.kubernetes.io/hostname"] = input.Host,
            ["traefik.ingress.kubernetes.io/router.entrypoints"] = "websecure",
            ["traefik.ingress.kubernetes.io/router.tls"] = "true",
        };
        var ingress = Object("networking.k8s.io/v1", "Ingress", metadata);
        ingress["spec"] = new JsonObject
        {
            ["ingressClassName"] = options.IngressClass,
            ["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray(input.Host), ["secretName"] = $"{input.Name}-tls" }),
            ["rules"] = new JsonArray(new JsonObject
            {
                ["host"] = input.Host,
                ["http"] = new JsonObject
                {
                    ["paths"] = new JsonArray(new JsonObject
                    {
                        ["path"] = "/",
                        ["pathType"] = "Prefix",
                        ["backend"] = new JsonObject
                        {
                            ["service"] = new JsonObject
                            {
                                ["name"] = ObjectName(input, service),
                                ["port"] = new JsonObject { ["number"] = port.Port },
                            },
                        },
                    }),
                },
            }),
        };
        return ingress;
    }

    // --- pieces ----------------------------------------------------------------------------------------------

    private static JsonArray Env(RenderInput input, RenderOptions options, ServiceSpec service, IReadOnlyList<string> secrets, ServiceText text)
    {
        var env = new JsonArray();
        for (var i = 0; i < service.Env.Count; i++)
        {
            var setting = service.Env[i];
            if (setting.Secret)
            {
                if (!secrets.Contains(setting.Name)) continue;
                env.Add(new JsonObject
                {
                    ["name"] = setting.Name,
                    ["valueFrom"] = new JsonObject
                    {
                        ["secretKeyRef"] = new JsonObject { ["name"] = SecretObjectOf(input, setting.Name, options), ["key"] = setting.Name },
                    },
                });
                continue;
            }
            var value = text.EnvValue(setting, i);
            if (value is not null) env.Add(new JsonObject { ["name"] = setting.Name, ["value"] = value });
        }
        return env;
    }

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

    private static JsonObject? Resources(ResourceSpec? resources)
    {
        if (resources is null) return null;
        var result = new JsonObject();
        foreach (var (amounts, name) in new[] { (resources.Requests, "requests"), (resources.Limits, "limits") })
        {
            if (amounts is null || (amounts.Cpu is null && amounts.Memory is null)) continue;
            var values = new JsonObject();
            if (amounts.Cpu is not null) values["cpu"] = amounts.Cpu;
            if (amounts.Memory is not null) values["memory"] = amounts.Memory;
            result[name] = values;
        }
        return result.Count == 0 ? null : result;
    }

    /// <summary>
    /// Capabilities a common image's entrypoint needs as root (chown its data directory, drop to its own user, bind a
    /// port below 1024, signal its workers): the runtime's default set without NET_RAW, MKNOD, AUDIT_WRITE, SETFCAP,
    /// SETPCAP and SYS_CHROOT. Within the baseline Pod Security profile, so official images such as nginx, postgres and
    /// redis still start; an image that runs as non-root needs none of them.
    /// </summary>
    public static readonly string[] KeptCapabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETGID", "SETUID"];

    /// <summary>Every container: no privilege escalation (setuid binaries, no_new_privs), the runtime's default seccomp profile, only <see cref="KeptCapabilities"/>.</summary>
    private static JsonObject ContainerSecurity() => new()
    {
        ["allowPrivilegeEscalation"] = false,
        ["privileged"] = false,
        ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL"), ["add"] = Strings(KeptCapabilities) },
        ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
    };

    private static JsonObject Probe(HealthCheckSpec health, int initialDelay, int period, int failures) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = health.Path, ["port"] = health.Port },
        ["initialDelaySeconds"] = initialDelay,
        ["periodSeconds"] = period,
        ["failureThreshold"] = failures,
    };

    /// <summary>A ConfigMap key per file: its base name made key-safe, prefixed by its index so two files never clash.</summary>
    private static string ConfigKey(ServiceSpec service, int index)
    {
        var baseName = service.ConfigFiles[index].Path[(service.ConfigFiles[index].Path.LastIndexOf('/') + 1)..];
        var safe = UnsafeKeyCharacters().Replace(baseName, "_");
        return $"{index}-{(safe.Length > 200 ? safe[..200] : safe)}";
    }

    /// <summary>Changes when the files or the values change, so that the pods roll even though the image did not.</summary>
    private static string ConfigHash(RenderInput input, ServiceSpec service, JsonObject? config)
    {
        var text = new StringBuilder();
        text.Append(config?["data"]?.ToJsonString());
        foreach (var (name, value) in input.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) text.Append('\n').Append(name).Append('=').Append(value);
        foreach (var name in input.Secrets.Keys.Order(StringComparer.Ordinal))
            text.Append('\n').Append(name).Append("#=").Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input.Secrets[name] ?? ""))));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static JsonObject Object(string apiVersion, string kind, JsonObject metadata) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["metadata"] = metadata,
    };

    private static JsonObject Metadata(string name, string? @namespace, JsonObject labels, OwnerObject? owner = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (@namespace is not null) metadata["namespace"] = @namespace;
        metadata["labels"] = labels;
        if (owner is not null)
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = owner.ApiVersion,
                ["kind"] = owner.Kind,
                ["name"] = owner.Name,
                ["uid"] = owner.Uid,
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            });
        return metadata;
    }

    private static JsonObject NamespaceLabels(RenderInput input) => new()
    {
        ["app.kubernetes.io/managed-by"] = ManagedBy,
        [LabelPrefix + "tier"] = input.Tier.ToCode(),
    };

    private static JsonObject InstanceLabels(RenderInput input) => new()
    {
        ["app.kubernetes.io/instance"] = input.Name,
        ["app.kubernetes.io/managed-by"] = ManagedBy,
        ["app.kubernetes.io/part-of"] = input.Name,
        [LabelPrefix + "deployment-id"] = input.DeploymentId.ToString(),
        [LabelPrefix + "organization"] = input.OrganizationId.ToString(),
        [LabelPrefix + "team"] = input.TeamId.ToString(),
        [LabelPrefix + "tier"] = input.Tier.ToCode(),
    };

    private static JsonObject ServiceLabels(RenderInput input, ServiceSpec service)
    {
        var labels = InstanceLabels(input);
        labels["app.kubernetes.io/name"] = service.Name;
        labels["app.kubernetes.io/component"] = service.Name;
        return labels;
    }

    private static JsonObject SelectorLabels(RenderInput input) => new() { ["app.kubernetes.io/instance"] = input.Name };

    private static JsonObject ServiceSelector(RenderInput input, ServiceSpec service) => new()
    {
        ["app.kubernetes.io/instance"] = input.Name,
        ["app.kubernetes.io/name"] = service.Name,
    };

    private static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray());

    [GeneratedRegex("[^-._a-zA-Z0-9]")]
    private static partial Regex UnsafeKeyCharacters();
}
