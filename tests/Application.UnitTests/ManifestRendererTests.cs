using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Application.Kubernetes;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;
using YamlDotNet.RepresentationModel;

namespace CleanScheduler.Application.UnitTests;

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
    public void Enterprise_has_no_quota_but_still_container_defaults()
    {
        var objects = ManifestRenderer.Render(Input("Static site", Tier.Enterprise), new RenderOptions());

        Assert.DoesNotContain(objects, o => o["kind"]!.GetValue<string>() == "ResourceQuota");
        Assert.Single(objects, o => o["kind"]!.GetValue<string>() == "LimitRange");
    }

    [Theory]
    [InlineData(Tier.Free, "Ingress", false)]
    [InlineData(Tier.Business, "Ingress", false)]
    [InlineData(Tier.Enterprise, "Egress", true)]
    public void Isolation_grows_with_the_tier(Tier tier, string lastPolicyType, bool egressLimited)
    {
        var spec = Single(ManifestRenderer.Render(Input("Static site", tier), new RenderOptions()), "NetworkPolicy")["spec"]!;

        Assert.Equal(lastPolicyType, spec["policyTypes"]!.AsArray()[^1]!.GetValue<string>());
        Assert.Equal(egressLimited, spec["egress"] is not null);
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
