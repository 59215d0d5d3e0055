using System.Text.Json.Nodes;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Kubernetes.UnitTests;

/// <summary>The three-tier secrets as the operator renders them: env or file, the checksum on the pod template, an ExternalSecret per service.</summary>
public sealed class SecretRenderingTests
{
    private const string Yaml = """
        services:
          - name: web
            image: nginx:1.27
            env:
              - { name: GREETING, default: "hello" }
              - { name: API_KEY, secret: true }
            configFiles:
              - { path: /etc/app.conf, content: "x" }
            secretMounts:
              - { key: TLS_KEY, mountPath: /etc/tls/tls.key }
          - name: worker
            image: busybox:1.36
        """;

    private static RenderInput Input(params ServiceSecretsSpec[] secrets) => new(
        "shop", "sandbox-t", Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "ann", Tier.Business, TierLimits.For(Tier.Business),
        TemplateSpecYaml.Parse(Yaml, out _)!, new Dictionary<string, string>(), new Dictionary<string, string?>(), true, "ann-shop.apps.test",
        ServiceSecrets: secrets);

    private static ServiceSecretsSpec Web(string checksum, params string[] keys) =>
        new("web", "shop-web-secrets", keys.Select(k => new ServiceSecretKey(k, $"orgs/o/{k}")).ToList(), checksum);

    private static JsonObject Deployment(IReadOnlyList<JsonObject> objects, string name) =>
        objects.Single(o => (string?)o["kind"] == "Deployment" && (string?)o["metadata"]!["name"] == name);

    private static JsonObject PodTemplate(IReadOnlyList<JsonObject> objects, string name) => Deployment(objects, name)["spec"]!["template"]!.AsObject();

    [Fact]
    public void Every_key_is_an_env_var_from_the_services_Secret_except_mounted_ones_which_are_files()
    {
        var objects = ManifestRenderer.Render(Input(Web("c1", "API_KEY", "GREETING", "EXTRA", "TLS_KEY")), new RenderOptions());

        var container = PodTemplate(objects, "shop-web")["spec"]!["containers"]![0]!;
        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["valueFrom"]?["secretKeyRef"]?["name"] ?? "plain:" + (string?)e!["value"]);
        Assert.Equal(new Dictionary<string, string> { ["GREETING"] = "shop-web-secrets", ["API_KEY"] = "shop-web-secrets", ["EXTRA"] = "shop-web-secrets" }, env);
        var mount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == "secrets")!;
        Assert.Equal(("/etc/tls/tls.key", "TLS_KEY", true), ((string?)mount["mountPath"], (string?)mount["subPath"], (bool?)mount["readOnly"]));
        var volume = PodTemplate(objects, "shop-web")["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "secrets")!;
        Assert.Equal("shop-web-secrets", (string?)volume["secret"]!["secretName"]);
        Assert.Null(PodTemplate(objects, "shop-worker")["spec"]!["containers"]![0]!["env"]);   // a service without secrets gets none
        Assert.DoesNotContain(objects, o => (string?)o["kind"] is "Secret" or "ExternalSecret");   // the server writes the Secret itself
    }

    [Fact]
    public void A_new_checksum_changes_the_pod_template_so_the_pods_restart()
    {
        var first = PodTemplate(ManifestRenderer.Render(Input(Web("aaaa", "API_KEY")), new RenderOptions()), "shop-web");
        var second = PodTemplate(ManifestRenderer.Render(Input(Web("bbbb", "API_KEY")), new RenderOptions()), "shop-web");

        Assert.Equal("aaaa", (string?)first["metadata"]!["annotations"]![ManifestRenderer.SecretsChecksumAnnotation]);
        Assert.Equal("bbbb", (string?)second["metadata"]!["annotations"]![ManifestRenderer.SecretsChecksumAnnotation]);
        Assert.False(JsonNode.DeepEquals(first, second));
    }

    [Fact]
    public void With_a_cluster_secret_store_each_service_gets_an_ExternalSecret_reading_each_keys_backend_path()
    {
        var objects = ManifestRenderer.Render(Input(Web("ignored", "API_KEY", "TLS_KEY")), new RenderOptions("vault-store"));

        var external = Assert.Single(objects, o => (string?)o["kind"] == "ExternalSecret");
        Assert.Equal("external-secrets.io/v1beta1", (string?)external["apiVersion"]);
        Assert.Equal(("shop-web-secrets", "shop-web-secrets"), ((string?)external["metadata"]!["name"], (string?)external["spec"]!["target"]!["name"]));
        Assert.Equal(("vault-store", "ClusterSecretStore"), ((string?)external["spec"]!["secretStoreRef"]!["name"], (string?)external["spec"]!["secretStoreRef"]!["kind"]));
        Assert.Equal([("API_KEY", "orgs/o/API_KEY", "API_KEY"), ("TLS_KEY", "orgs/o/TLS_KEY", "TLS_KEY")],
            external["spec"]!["data"]!.AsArray().Select(d => ((string)d!["secretKey"]!, (string)d["remoteRef"]!["key"]!, (string)d["remoteRef"]!["property"]!)));
    }

    [Theory]
    [InlineData("secretMounts:\n      - { key: 1BAD, mountPath: /a }", "services[0].secretMounts[0].key")]
    [InlineData("secretMounts:\n      - { key: K, mountPath: relative }", "services[0].secretMounts[0].mountPath")]
    [InlineData("secretMounts:\n      - { key: K, mountPath: /a }\n      - { key: K, mountPath: /b }", "services[0].secretMounts[1].key")]
    [InlineData("secretMounts:\n      - { key: K, mountPath: /a }\n      - { key: L, mountPath: /a }", "services[0].secretMounts[1].mountPath")]
    [InlineData("secretMounts:\n      - { key: K }", "services[0].secretMounts[0]")]
    public void Secret_mounts_are_checked(string mounts, string path)
    {
        var spec = TemplateSpecYaml.Parse($"services:\n  - name: web\n    image: nginx:1.27\n    {mounts}\n", out var errors);

        Assert.Null(spec);
        Assert.Contains(errors, e => e.Path.StartsWith(path, StringComparison.Ordinal));
    }
}
