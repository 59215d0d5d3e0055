using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Kubernetes;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;
using YamlDotNet.RepresentationModel;

namespace CleanScheduler.Kubernetes.UnitTests;

public sealed class ManifestRendererTests
{
    private static readonly Guid DeploymentId = Guid.Parse("01a20000-0000-7000-8000-0000000000d1");
    private static readonly Guid OrganizationId = Guid.Parse("01a20000-0000-7000-8000-0000000000a1");
    private static readonly Guid TeamId = Guid.Parse("01a20000-0000-7000-8000-0000000000b1");
    private static readonly Guid UserId = Guid.Parse("01a20000-0000-7000-8000-0000000000c1");

    private static TemplateSpec Spec(string name) =>
        TemplateSpecYaml.Parse(SystemTemplates.All.Single(t => t.Name == name).Spec, out _)!;

    private static RenderInput Input(string template, Tier tier, bool running = true, OwnerObject? owner = null,
        IReadOnlyDictionary<string, string?>? secrets = null) => new(
        "shop", "sandbox-ann", DeploymentId, OrganizationId, TeamId, UserId, "ann", tier, TierLimits.For(tier), Spec(template),
        new Dictionary<string, string> { ["PAGE_TITLE"] = "Ann's shop", ["POSTGRES_DB"] = "shop" },
        secrets ?? (template == "Web app + PostgreSQL" ? new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = "s3cret" } : new Dictionary<string, string?>()),
        running, "ann-shop.apps.example.com", owner);

    public static TheoryData<string, Tier> TemplatesAndTiers()
    {
        var data = new TheoryData<string, Tier>();
        foreach (var template in SystemTemplates.All) foreach (var tier in Enum.GetValues<Tier>()) data.Add(template.Name, tier);
        return data;
    }

    private static string GoldenPath(string file, [CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Golden", file);

    private static void MatchesGolden(string file, string actual)
    {
        var path = GoldenPath(file);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"no golden file {file}; run the tests once with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private static string Slug(string template) =>
        string.Concat(template.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Replace("---", "-").Trim('-');

    [Theory, MemberData(nameof(TemplatesAndTiers))]
    public void Each_system_template_renders_as_its_golden_file_for_each_tier(string template, Tier tier) =>
        MatchesGolden($"{Slug(template)}.{tier.ToCode()}.yaml", YamlJson.Write(ManifestRenderer.Render(Input(template, tier), new RenderOptions())));

    [Fact]
    public void Variants_render_as_their_golden_files()
    {
        var owner = new OwnerObject("scheduler.cleanscheduler.io/v1alpha1", "UserDeployment", "shop", "5e0a3c1b-6f0e-4b9a-9d3c-2b8f7e1a4c55");
        MatchesGolden("variant.stopped-owned.yaml", YamlJson.Write(ManifestRenderer.Render(
            Input("Web app + PostgreSQL", Tier.Business, running: false, owner: owner), new RenderOptions())));
        MatchesGolden("variant.external-secrets-no-policies.yaml", YamlJson.Write(ManifestRenderer.Render(
            Input("Web app + PostgreSQL", Tier.Enterprise), new RenderOptions(ClusterSecretStore: "vault-backend", DisableNetworkPolicies: true))));
    }

    /// <summary>
    /// The objects equal the committed golden files read back as JSON trees (key order aside): a golden file's bytes
    /// change with the writer's key order, its content must not.
    /// </summary>
    [Fact]
    public void Each_rendering_equals_its_golden_file_as_json_trees()
    {
        var owner = new OwnerObject("scheduler.cleanscheduler.io/v1alpha1", "UserDeployment", "shop", "5e0a3c1b-6f0e-4b9a-9d3c-2b8f7e1a4c55");
        var cases = new List<(string File, IReadOnlyList<JsonObject> Objects)>
        {
            ("variant.stopped-owned.yaml", ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Business, running: false, owner: owner), new RenderOptions())),
            ("variant.external-secrets-no-policies.yaml", ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Enterprise),
                new RenderOptions(ClusterSecretStore: "vault-backend", DisableNetworkPolicies: true))),
        };
        foreach (var template in SystemTemplates.All)
            foreach (var tier in Enum.GetValues<Tier>())
                cases.Add(($"{Slug(template.Name)}.{tier.ToCode()}.yaml", ManifestRenderer.Render(Input(template.Name, tier), new RenderOptions())));

        foreach (var (file, objects) in cases)
            Assert.Equal(YamlJson.Documents(File.ReadAllText(GoldenPath(file))).Select(Sorted), objects.Select(Sorted));
    }

    /// <summary>The JSON text with every object's keys in ordinal order.</summary>
    private static string Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => "{" + string.Join(",", obj.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{JsonValue.Create(kv.Key).ToJsonString()}:{Sorted(kv.Value)}")) + "}",
        JsonArray array => "[" + string.Join(",", array.Select(Sorted)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    public static TheoryData<string> Variants() => new() { "plain", "stopped-owned", "external", "redacted" };

    [Theory, MemberData(nameof(Variants))]
    public void Every_rendered_object_is_what_the_kubernetes_api_accepts(string variant)
    {
        var owner = new OwnerObject("scheduler.cleanscheduler.io/v1alpha1", "UserDeployment", "shop", "5e0a3c1b-6f0e-4b9a-9d3c-2b8f7e1a4c55");
        foreach (var template in SystemTemplates.All)
        foreach (var tier in Enum.GetValues<Tier>())
        {
            var input = variant switch
            {
                "stopped-owned" => Input(template.Name, tier, running: false, owner: owner),
                "redacted" => Input(template.Name, tier, secrets: new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = null }),
                _ => Input(template.Name, tier),
            };
            var options = variant == "external" ? new RenderOptions(ClusterSecretStore: "vault-backend") : new RenderOptions();

            var objects = ManifestRenderer.Render(input, options);

            Assert.All(objects, o => Assert.Empty(KubernetesSchema.Problems(o)));
            Assert.Equal(objects.Count, objects.Select(o => $"{o["kind"]}/{o["metadata"]!["name"]}").Distinct().Count());
        }
    }

    [Fact]
    public void The_yaml_reads_back_as_the_same_objects()
    {
        var objects = ManifestRenderer.Render(Input("Static site", Tier.Business), new RenderOptions());

        var stream = new YamlStream();
        stream.Load(new StringReader(YamlJson.Write(objects)));

        Assert.Equal(objects.Count, stream.Documents.Count);
        var configMap = (YamlMappingNode)stream.Documents.Single(d => ((YamlScalarNode)((YamlMappingNode)d.RootNode)["kind"]).Value == "ConfigMap").RootNode;
        var html = ((YamlScalarNode)((YamlMappingNode)configMap["data"]).Children.Single().Value).Value;
        Assert.Contains("<title>Ann's shop</title>", html);
        Assert.Contains("<p>This site runs on CleanScheduler.</p>", html);
    }

    private static JsonObject Single(IReadOnlyList<JsonObject> objects, string kind, string? name = null) =>
        objects.Single(o => o["kind"]!.GetValue<string>() == kind && (name is null || o["metadata"]!["name"]!.GetValue<string>() == name));

    [Fact]
    public void Stopping_scales_every_service_to_zero_and_keeps_the_rest()
    {
        var running = ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Free), new RenderOptions());
        var stopped = ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Free, running: false), new RenderOptions());

        Assert.Equal(running.Select(o => $"{o["kind"]}/{o["metadata"]!["name"]}"), stopped.Select(o => $"{o["kind"]}/{o["metadata"]!["name"]}"));
        Assert.All(stopped.Where(o => o["kind"]!.GetValue<string>() == "Deployment"), d => Assert.Equal(0, d["spec"]!["replicas"]!.GetValue<int>()));
        Assert.Equal(1, Single(running, "Deployment", "shop-db")["spec"]!["replicas"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(Tier.Free, "1", "5")]
    [InlineData(Tier.Business, "8", "50")]
    public void Quotas_follow_the_tier(Tier tier, string cpu, string pods)
    {
        var hard = Single(ManifestRenderer.Render(Input("Static site", tier), new RenderOptions()), "ResourceQuota")["spec"]!["hard"]!;

        Assert.Equal((cpu, pods), (hard["requests.cpu"]!.GetValue<string>(), hard["pods"]!.GetValue<string>()));
    }

    [Fact]
    public void Quantities_are_written_in_the_canonical_form_the_api_server_stores()
    {
        var input = Input("Static site", Tier.Business);
        var web = input.Spec.Services[0] with { Resources = new ResourceSpec(new ResourceAmounts("0.5", "1024Mi"), new ResourceAmounts("1.5", "512M")) };
        input = input with { Spec = new TemplateSpec([web]), Limits = input.Limits with { Quota = new ResourceQuotaLimits("2000m", "16Gi", 1000) } };

        var objects = ManifestRenderer.Render(input, new RenderOptions());

        var resources = Single(objects, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!;
        Assert.Equal("""{"limits":{"cpu":"1500m","memory":"512M"},"requests":{"cpu":"500m","memory":"1Gi"}}""", resources.ToJsonString());
        Assert.Equal("""{"limits.memory":"16Gi","pods":"1k","requests.cpu":"2","requests.memory":"16Gi"}""",
            new JsonObject(Single(objects, "ResourceQuota")["spec"]!["hard"]!.AsObject().OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()))).ToJsonString());
    }

    [Fact]
    public void A_quota_that_is_not_a_quantity_is_an_invalid_spec()
    {
        var input = Input("Static site", Tier.Business);
        input = input with { Limits = input.Limits with { Quota = new ResourceQuotaLimits("lots", "1Gi", 5) } };

        var e = Assert.Throws<UserDeploymentSpecException>(() => ManifestRenderer.Render(input, new RenderOptions()));

        Assert.Equal(("InvalidSpec", "limits.quota.cpu 'lots' is not a Kubernetes quantity"), (e.Reason, e.Message));
    }

    [Fact]
    public void Enterprise_has_no_quota_but_still_container_defaults()
    {
        var objects = ManifestRenderer.Render(Input("Static site", Tier.Enterprise), new RenderOptions());

        Assert.DoesNotContain(objects, o => o["kind"]!.GetValue<string>() == "ResourceQuota");
        Assert.Single(objects, o => o["kind"]!.GetValue<string>() == "LimitRange");
    }

    /// <summary>The per-tier isolation table of docs/security.md: who may connect in, and where pods may connect out.</summary>
    [Theory]
    [InlineData(Tier.Free, "namespaceSelector:app.kubernetes.io/managed-by=cleanscheduler,scheduler.cleanscheduler.io/isolation=shared")]
    [InlineData(Tier.Business, "podSelector:")]
    [InlineData(Tier.Enterprise, "podSelector:app.kubernetes.io/instance=shop")]
    public void Isolation_follows_the_tier_in_both_directions(Tier tier, string tenantPeer)
    {
        var spec = Single(ManifestRenderer.Render(Input("Static site", tier), new RenderOptions()), "NetworkPolicy")["spec"]!;
        static string Peer(JsonNode? peer) => string.Join(";", peer!.AsObject().Select(kv =>
            $"{kv.Key}:{string.Join(",", (kv.Value!["matchLabels"] as JsonObject ?? []).Select(l => $"{l.Key}={l.Value}"))}"));
        const string ingressController = "namespaceSelector:kubernetes.io/metadata.name=traefik";

        Assert.Equal(["Ingress", "Egress"], spec["policyTypes"]!.AsArray().Select(t => (string?)t));
        Assert.Equal([tenantPeer, ingressController], spec["ingress"]!.AsArray().Single()!["from"]!.AsArray().Select(Peer));
        var egress = spec["egress"]!.AsArray();
        Assert.Equal(4, egress.Count);
        Assert.Equal(["UDP:53", "TCP:53"], egress[0]!["ports"]!.AsArray().Select(p => $"{p!["protocol"]}:{p["port"]}"));
        Assert.Equal([tenantPeer], egress[1]!["to"]!.AsArray().Select(Peer));
        Assert.Null(egress[1]!["ports"]);
        Assert.Equal([ingressController], egress[2]!["to"]!.AsArray().Select(Peer));
        Assert.Equal(["TCP:80", "TCP:443"], egress[2]!["ports"]!.AsArray().Select(p => $"{p!["protocol"]}:{p["port"]}"));
        Assert.Null(egress[3]!["ports"]);
        var blocks = egress[3]!["to"]!.AsArray().Select(p => p!["ipBlock"]!).ToList();
        Assert.Equal(["0.0.0.0/0", "::/0"], blocks.Select(b => (string?)b["cidr"]));
        var blocked = blocks.SelectMany(b => b["except"]!.AsArray().Select(e => (string?)e)).ToList();
        foreach (var range in new[] { "169.254.0.0/16", "fe80::/10", "fc00::/7", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10" })
            Assert.Contains(range, blocked);
    }

    [Theory]
    [InlineData("169.254.169.254")]   // AWS, GCP, Azure, OpenStack metadata
    [InlineData("169.254.0.1")]
    [InlineData("fd00:ec2::254")]     // AWS IPv6 metadata
    [InlineData("fe80::1")]
    [InlineData("10.96.0.1")]         // a typical kubernetes.default Service address
    [InlineData("10.96.0.10")]        // a typical kube-dns Service address: DNS goes to the DNS pods, not to any address on 53
    public void No_tier_lets_a_pod_reach_link_local_or_cluster_addresses_by_ip_on_any_port(string address)
    {
        var ip = System.Net.IPAddress.Parse(address);
        foreach (var tier in Enum.GetValues<Tier>())
        {
            var egress = Single(ManifestRenderer.Render(Input("Static site", tier), new RenderOptions()), "NetworkPolicy")["spec"]!["egress"]!.AsArray();
            Assert.DoesNotContain(egress, r => r!["to"] is null);   // no rule open to every address
            foreach (var rule in egress)
                foreach (var block in (rule!["to"]?.AsArray() ?? []).Select(p => p!["ipBlock"]).OfType<JsonObject>()
                    .Where(b => (string?)b["cidr"] != ManifestRenderer.NodeLocalDns))   // that one address, on port 53 only (below)
                {
                    var cidr = System.Net.IPNetwork.Parse((string)block["cidr"]!);
                    var excepted = (block["except"]?.AsArray() ?? []).Any(e => System.Net.IPNetwork.Parse((string)e!).Contains(ip));
                    Assert.False(cidr.Contains(ip) && !excepted, $"{tier}: {address} is reachable through {block.ToJsonString()}");
                }
        }
    }

    [Fact]
    public void Dns_goes_to_the_cluster_dns_pods_and_the_node_local_cache_only_and_the_ingress_controller_is_reached_on_its_web_ports_only()
    {
        foreach (var tier in Enum.GetValues<Tier>())
        {
            var egress = Single(ManifestRenderer.Render(Input("Static site", tier), new RenderOptions()), "NetworkPolicy")["spec"]!["egress"]!.AsArray();
            var dns = egress.Single(r => r!["ports"]?.AsArray().Any(p => (int?)p!["port"] == 53) == true)!;
            Assert.Equal(["kube-dns", ManifestRenderer.NodeLocalDns],
                dns["to"]!.AsArray().Select(p => (string?)p!["podSelector"]?["matchLabels"]?["k8s-app"] ?? (string?)p!["ipBlock"]?["cidr"]));
            var web = egress.Single(r => r!["to"]!.AsArray().Any(p => (string?)p!["namespaceSelector"]?["matchLabels"]?["kubernetes.io/metadata.name"] == new RenderOptions().IngressControllerNamespace))!;
            Assert.Equal([80, 443], web["ports"]!.AsArray().Select(p => (int)p!["port"]!));
        }
    }

    [Fact]
    public void Tenant_namespaces_enforce_the_baseline_pod_security_profile_and_warn_and_audit_restricted()
    {
        foreach (var tier in Enum.GetValues<Tier>())
        {
            var labels = Single(ManifestRenderer.Render(Input("Static site", tier), new RenderOptions()), "Namespace")["metadata"]!["labels"]!;

            Assert.Equal("baseline", (string?)labels["pod-security.kubernetes.io/enforce"]);
            Assert.Equal("restricted", (string?)labels["pod-security.kubernetes.io/warn"]);
            Assert.Equal("restricted", (string?)labels["pod-security.kubernetes.io/audit"]);
            Assert.Equal("latest", (string?)labels["pod-security.kubernetes.io/enforce-version"]);
        }
    }

    [Fact]
    public void Every_container_runs_without_privilege_escalation_with_the_default_seccomp_profile_and_fewer_capabilities()
    {
        foreach (var template in SystemTemplates.All)
        foreach (var deployment in ManifestRenderer.Render(Input(template.Name, Tier.Business), new RenderOptions()).Where(o => (string?)o["kind"] == "Deployment"))
        {
            var pod = deployment["spec"]!["template"]!["spec"]!;
            Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
            Assert.False((bool)pod["automountServiceAccountToken"]!);
            Assert.Null(pod["hostNetwork"] ?? pod["hostPID"] ?? pod["hostIPC"]);
            foreach (var container in pod["containers"]!.AsArray())
            {
                var security = container!["securityContext"]!;
                Assert.False((bool)security["allowPrivilegeEscalation"]!);
                Assert.False((bool)security["privileged"]!);
                Assert.Equal("RuntimeDefault", (string?)security["seccompProfile"]!["type"]);
                Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c));
                var added = security["capabilities"]!["add"]!.AsArray().Select(c => (string)c!).ToList();
                string[] baseline = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];
                Assert.All(added, c => Assert.Contains(c, baseline));   // the baseline profile allows adding only these
                Assert.DoesNotContain("NET_RAW", added);
            }
        }
    }

    [Fact]
    public void Network_policies_can_be_switched_off()
    {
        var objects = ManifestRenderer.Render(Input("Static site", Tier.Enterprise), new RenderOptions(DisableNetworkPolicies: true));

        Assert.DoesNotContain(objects, o => o["kind"]!.GetValue<string>() == "NetworkPolicy");
    }

    [Fact]
    public void Only_the_deployments_own_objects_carry_owner_references()
    {
        var owner = new OwnerObject("scheduler.cleanscheduler.io/v1alpha1", "UserDeployment", "shop", "uid-1");

        var objects = ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Business, owner: owner), new RenderOptions());

        foreach (var o in objects)
        {
            var owned = o["metadata"]!["ownerReferences"] is JsonArray refs && refs[0]!["uid"]!.GetValue<string>() == "uid-1";
            Assert.Equal(o["kind"]!.GetValue<string>() is not ("Namespace" or "ResourceQuota" or "LimitRange"), owned);
        }
    }

    [Fact]
    public void Secrets_reach_containers_by_reference_and_are_redacted_when_unknown()
    {
        var shown = ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Business), new RenderOptions());
        var redacted = ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Business,
            secrets: new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = null }), new RenderOptions());

        Assert.Equal("s3cret", Single(shown, "Secret")["stringData"]!["POSTGRES_PASSWORD"]!.GetValue<string>());
        Assert.Equal("", Single(redacted, "Secret")["stringData"]!["POSTGRES_PASSWORD"]!.GetValue<string>());
        Assert.Equal("true", Single(redacted, "Secret")["metadata"]!["annotations"]!["scheduler.cleanscheduler.io/redacted"]!.GetValue<string>());
        var env = Single(shown, "Deployment", "shop-db")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        var password = env.Single(e => e!["name"]!.GetValue<string>() == "POSTGRES_PASSWORD")!;
        Assert.Equal("shop-secrets", password["valueFrom"]!["secretKeyRef"]!["name"]!.GetValue<string>());
        Assert.DoesNotContain("s3cret", Single(shown, "Deployment", "shop-db").ToJsonString());
    }

    [Fact]
    public void With_a_cluster_secret_store_an_external_secret_replaces_the_secret()
    {
        var objects = ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Business), new RenderOptions(ClusterSecretStore: "vault-backend"));

        var external = Single(objects, "ExternalSecret");
        Assert.DoesNotContain(objects, o => o["kind"]!.GetValue<string>() == "Secret");
        Assert.Equal("vault-backend", external["spec"]!["secretStoreRef"]!["name"]!.GetValue<string>());
        Assert.Equal($"users/{UserId}/deployments/shop", external["spec"]!["data"]![0]!["remoteRef"]!["key"]!.GetValue<string>());
        Assert.DoesNotContain("s3cret", YamlJson.Write(objects));
    }

    [Fact]
    public void Settings_and_built_ins_fill_defaults_args_and_files()
    {
        var objects = ManifestRenderer.Render(Input("Web app + Redis cache", Tier.Business), new RenderOptions());

        var app = Single(objects, "Deployment", "shop-app")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("cache:shop-cache:6379", app["env"]![0]!["value"]!.GetValue<string>());
        var cache = Single(objects, "Deployment", "shop-cache")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"], cache["args"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public void The_public_port_gets_an_ingress_with_tls_dns_and_the_traefik_class()
    {
        var ingress = Single(ManifestRenderer.Render(Input("Web app + PostgreSQL", Tier.Business), new RenderOptions()), "Ingress");

        Assert.Equal("traefik", ingress["spec"]!["ingressClassName"]!.GetValue<string>());
        Assert.Equal("ann-shop.apps.example.com", ingress["metadata"]!["annotations"]!["external-dns.alpha.kubernetes.io/hostname"]!.GetValue<string>());
        Assert.Equal("letsencrypt-prod", ingress["metadata"]!["annotations"]!["cert-manager.io/cluster-issuer"]!.GetValue<string>());
        Assert.Equal("shop-tls", ingress["spec"]!["tls"]![0]!["secretName"]!.GetValue<string>());
        var backend = ingress["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!;
        Assert.Equal(("shop-app", 8080), (backend["name"]!.GetValue<string>(), backend["port"]!["number"]!.GetValue<int>()));
    }

    [Fact]
    public void Rendering_is_a_pure_function()
    {
        var first = YamlJson.Write(ManifestRenderer.Render(Input("Web app + Redis cache", Tier.Free), new RenderOptions()));
        var second = YamlJson.Write(ManifestRenderer.Render(Input("Web app + Redis cache", Tier.Free), new RenderOptions()));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Changing_a_value_changes_the_pods_config_hash_so_they_roll()
    {
        static string Hash(IReadOnlyList<JsonObject> objects) =>
            Single(objects, "Deployment", "shop-web")["spec"]!["template"]!["metadata"]!["annotations"]!["scheduler.cleanscheduler.io/config-hash"]!.GetValue<string>();
        var input = Input("Static site", Tier.Free);

        var before = Hash(ManifestRenderer.Render(input, new RenderOptions()));
        var after = Hash(ManifestRenderer.Render(input with { Values = new Dictionary<string, string> { ["PAGE_TITLE"] = "New title" } }, new RenderOptions()));

        Assert.NotEqual(before, after);
    }
}
