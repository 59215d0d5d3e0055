using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Application.Kubernetes;

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

    public static IReadOnlyList<JsonObject> Render(RenderInput input, RenderOptions options)
    {
        var objects = new List<JsonObject> { Namespace(input) };
        if (input.Limits.Quota is { } quota) objects.Add(ResourceQuota(input, quota));
        objects.Add(LimitRange(input));
        if (!options.DisableNetworkPolicies) objects.Add(NetworkPolicy(input, options));

        var secretNames = SecretSettings(input);
        if (secretNames.Count > 0 && options.ClusterSecretStore is { } store) objects.Add(ExternalSecret(input, store, secretNames));
        else if (secretNames.Count > 0 && input.SecretRefs is null) objects.Add(Secret(input, secretNames));
        foreach (var service in input.Spec.Services)
        {
            var config = ConfigMap(input, service);
            if (config is not null) objects.Add(config);
            objects.Add(Deployment(input, options, service, secretNames, config));
            if (service.Ports.Count > 0) objects.Add(Service(input, service));
        }
        if (input.Spec.Services.SelectMany(s => s.Ports.Select(p => (Service: s, Port: p))).FirstOrDefault(x => x.Port.Public) is { Service: not null } entry)
            objects.Add(Ingress(input, options, entry.Service, entry.Port));
        return objects;
    }

    public static string ObjectName(RenderInput input, ServiceSpec service) => $"{input.Name}-{service.Name}";

    public static string SecretName(RenderInput input) => $"{input.Name}-secrets";

    // --- namespace-wide objects -------------------------------------------------------------------------------

    private static JsonObject Namespace(RenderInput input) => Object("v1", "Namespace", Metadata(input.Namespace, null, new JsonObject
    {
        ["app.kubernetes.io/managed-by"] = ManagedBy,
        [LabelPrefix + "user"] = input.OwnerHandle,
        [LabelPrefix + "organization"] = input.OrganizationId.ToString(),
        [LabelPrefix + "tier"] = input.Tier.ToCode(),
        [LabelPrefix + "isolation"] = input.Limits.Isolation.ToCode(),
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

    /// <summary>
    /// Ingress isolation of the deployment's pods. shared: anything in the cluster may connect; namespace: pods of the
    /// same namespace and the ingress controller; dedicated: only the deployment's own pods and the ingress controller,
    /// with egress limited to DNS, the deployment itself and addresses outside private ranges.
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
        var spec = new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = SelectorLabels(input) } };
        switch (input.Limits.Isolation)
        {
            case NetworkIsolation.Shared:
                spec["policyTypes"] = new JsonArray("Ingress");
                spec["ingress"] = new JsonArray(new JsonObject { ["from"] = new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject() }) });
                break;
            case NetworkIsolation.Namespace:
                spec["policyTypes"] = new JsonArray("Ingress");
                spec["ingress"] = new JsonArray(new JsonObject
                {
                    ["from"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject() }, ingressController),
                });
                break;
            default:
                spec["policyTypes"] = new JsonArray("Ingress", "Egress");
                spec["ingress"] = new JsonArray(new JsonObject
                {
                    ["from"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = SelectorLabels(input) } }, ingressController),
                });
                spec["egress"] = new JsonArray(
                    new JsonObject
                    {
                        ["ports"] = new JsonArray(
                            new JsonObject { ["protocol"] = "UDP", ["port"] = 53 },
                            new JsonObject { ["protocol"] = "TCP", ["port"] = 53 }),
                    },
                    new JsonObject { ["to"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = SelectorLabels(input) } }) },
                    new JsonObject
                    {
                        ["to"] = new JsonArray(new JsonObject
                        {
                            ["ipBlock"] = new JsonObject
                            {
                                ["cidr"] = "0.0.0.0/0",
                                ["except"] = new JsonArray("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"),
                            },
                        }),
                    });
                break;
        }
        policy["spec"] = spec;
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

    private static JsonObject? ConfigMap(RenderInput input, ServiceSpec service)
    {
        if (service.ConfigFiles.Count == 0) return null;
        var map = Object("v1", "ConfigMap", Metadata($"{ObjectName(input, service)}-config", input.Namespace, ServiceLabels(input, service), input.Owner));
        var data = new JsonObject();
        var variables = Variables(input, service, forText: true);
        for (var i = 0; i < service.ConfigFiles.Count; i++)
            data[ConfigKey(service, i)] = TemplateSpecRules.Substitute(service.ConfigFiles[i].Content, variables);
        map["data"] = data;
        return map;
    }

    private static JsonObject Deployment(RenderInput input, RenderOptions options, ServiceSpec service, IReadOnlyList<string> secrets, JsonObject? config)
    {
        var labels = ServiceLabels(input, service);
        var deployment = Object("apps/v1", "Deployment", Metadata(ObjectName(input, service), input.Namespace, labels, input.Owner));
        var container = new JsonObject { ["name"] = service.Name, ["image"] = service.Image };
        var commandVariables = Variables(input, service, forText: false);
        if (service.Command.Count > 0) container["command"] = Strings(service.Command.Select(c => TemplateSpecRules.Substitute(c, commandVariables)));
        if (service.Args.Count > 0) container["args"] = Strings(service.Args.Select(a => TemplateSpecRules.Substitute(a, commandVariables)));
        if (service.Ports.Count > 0)
            container["ports"] = new JsonArray(service.Ports.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name, ["containerPort"] = p.Port, ["protocol"] = "TCP",
            }).ToArray());
        var env = Env(input, options, service, secrets);
        if (env.Count > 0) container["env"] = env;
        if (Resources(service.Resources) is { } resources) container["resources"] = resources;
        if (service.HealthCheck is { } health)
        {
            container["readinessProbe"] = Probe(health, initialDelay: 5, period: 10, failures: 3);
            container["livenessProbe"] = Probe(health, initialDelay: 30, period: 20, failures: 6);
        }
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

    private static JsonArray Env(RenderInput input, RenderOptions options, ServiceSpec service, IReadOnlyList<string> secrets)
    {
        var env = new JsonArray();
        var variables = Variables(input, service, forText: true);
        foreach (var setting in service.Env)
        {
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
            var value = input.Values.TryGetValue(setting.Name, out var given) ? given
                : setting.Default is { } fallback ? TemplateSpecRules.Substitute(fallback, variables) : null;
            if (value is not null) env.Add(new JsonObject { ["name"] = setting.Name, ["value"] = value });
        }
        return env;
    }

    /// <summary>
    /// Values for {{ NAME }}: built-ins, the service's plain settings (given or default). In command and args a secret
    /// setting becomes $(NAME), which Kubernetes expands from the container's environment, so the value never
    /// appears in the pod spec; in files, secrets are not substituted.
    /// </summary>
    private static Dictionary<string, string> Variables(RenderInput input, ServiceSpec service, bool forText)
    {
        var builtIns = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DEPLOYMENT_NAME"] = input.Name,
            ["DEPLOYMENT_HOST"] = input.Host,
        };
        var variables = new Dictionary<string, string>(builtIns, StringComparer.Ordinal);
        foreach (var setting in service.Env)
        {
            if (setting.Secret) { if (!forText) variables[setting.Name] = $"$({setting.Name})"; continue; }
            if (input.Values.TryGetValue(setting.Name, out var value)) variables[setting.Name] = value;
            else if (setting.Default is { } fallback) variables[setting.Name] = TemplateSpecRules.Substitute(fallback, builtIns);
        }
        return variables;
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
