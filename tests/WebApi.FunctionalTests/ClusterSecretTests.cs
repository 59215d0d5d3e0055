using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>Secrets into the cluster without a cluster secret store: one Secret per service, written by the server, and a checksum that rolls the pods.</summary>
public sealed class ClusterSecretTests(ClusterApiFactory factory) : IClassFixture<ClusterApiFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_organization_secret_reaches_every_deployment_of_the_organization_and_a_new_value_changes_the_pods_checksum()
    {
        var (org, team, owner) = await ClusterSecretScenario.OrgAsync(factory);
        var first = await ClusterSecretScenario.DeployAsync(owner, team, "alpha");
        var second = await ClusterSecretScenario.DeployAsync(owner, team, "beta");
        var ns = $"sandbox-{team}";
        var before = await Eventually.WaitAsync(() => ChecksumOf(ns, "beta", "app"), "beta published", Patience);

        await owner.ExpectAsync(owner.PutAsync("/api/secrets", new { organizationId = org, key = "SHARED_TOKEN", value = "token-one" }), HttpStatusCode.OK);

        foreach (var name in new[] { "alpha", "beta" })
            foreach (var service in new[] { "app", "db" })
                await Eventually.WaitAsync(() => SecretValue(ns, $"{name}.{service}.secrets", "SHARED_TOKEN") == "token-one" ? "" : null,
                    $"{name}/{service} holds the organization secret", Patience);
        var afterFirst = await Eventually.WaitAsync(() => ChecksumOf(ns, "beta", "app") is { } c && c != before ? c : null, "checksum moved", Patience);
        var renderedFirst = RenderedChecksum(ns, "beta", "app");

        await owner.ExpectAsync(owner.PutAsync("/api/secrets", new { organizationId = org, key = "SHARED_TOKEN", value = "token-two" }), HttpStatusCode.OK);

        await Eventually.WaitAsync(() => SecretValue(ns, "beta.app.secrets", "SHARED_TOKEN") == "token-two" ? "" : null, "new value", Patience);
        await Eventually.WaitAsync(() => ChecksumOf(ns, "beta", "app") is { } c && c != afterFirst ? c : null, "checksum moved again", Patience);
        var renderedSecond = RenderedChecksum(ns, "beta", "app");
        Assert.NotEqual(renderedFirst, renderedSecond);   // the operator's Deployment changes its pod template: the pods restart
        Assert.DoesNotContain("token-", factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", ns, "beta")!.ToJsonString());
        _ = (first, second);
    }

    [Fact]
    public async Task A_service_secret_is_injected_into_its_service_only_and_replaces_a_plain_setting_of_the_same_name()
    {
        var (org, team, owner) = await ClusterSecretScenario.OrgAsync(factory);
        var id = await ClusterSecretScenario.DeployAsync(owner, team, "gamma");
        var ns = $"sandbox-{team}";
        await owner.ExpectAsync(owner.PutAsync("/api/secrets", new { organizationId = org, deploymentId = id, service = "db", key = "POSTGRES_USER", value = "svc-user" }), HttpStatusCode.OK);

        await Eventually.WaitAsync(() => SecretValue(ns, "gamma.db.secrets", "POSTGRES_USER") == "svc-user" ? "" : null, "service secret written", Patience);
        var db = Render(ns, "gamma").Single(o => (string?)o["kind"] == "Deployment" && (string?)o["metadata"]!["name"] == "gamma-db");
        var env = db["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        var user = env.Where(e => (string?)e!["name"] == "POSTGRES_USER").ToList();
        Assert.Equal("gamma.db.secrets", (string?)Assert.Single(user)!["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.Null(SecretValue(ns, "gamma.app.secrets", "POSTGRES_USER"));
    }

    [Fact]
    public async Task Migration_0016_gives_every_published_deployment_an_apply_row_so_it_moves_to_per_service_Secrets()
    {
        var (_, team, owner) = await ClusterSecretScenario.OrgAsync(factory);
        var id = await ClusterSecretScenario.DeployAsync(owner, team, "legacy");
        await Eventually.WaitAsync(() => ChecksumOf($"sandbox-{team}", "legacy", "db"), "published", Patience);
        await using var connection = new Npgsql.NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await Eventually.WaitAsync(async () =>
        {
            await using var pending = new Npgsql.NpgsqlCommand("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", connection);
            pending.Parameters.AddWithValue("id", Guid.Parse(id));
            return (long)(await pending.ExecuteScalarAsync())! == 0 ? "" : null;
        }, "outbox empty", Patience);

        // 0016 again, without its table, in a transaction rolled back so that the running sync takes nothing.
        var migration = Infrastructure.Persistence.DatabaseMigrator.Embedded.Single(m => m.Version == "0016");
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var before = new Npgsql.NpgsqlCommand("DROP TABLE secrets", connection, transaction)) await before.ExecuteNonQueryAsync();
        await using (var migrate = new Npgsql.NpgsqlCommand(migration.Sql, connection, transaction)) await migrate.ExecuteNonQueryAsync();
        await using var rows = new Npgsql.NpgsqlCommand("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id AND operation = 'apply'", connection, transaction);
        rows.Parameters.AddWithValue("id", Guid.Parse(id));

        Assert.Equal(1L, (long)(await rows.ExecuteScalarAsync())!);
        await transaction.RollbackAsync();
    }

    private string? SecretValue(string ns, string secret, string key) =>
        factory.Kube.Get("v1", "secrets", ns, secret)?["data"]?[key] is { } data ? Encoding.UTF8.GetString(Convert.FromBase64String((string)data!)) : null;

    private string? ChecksumOf(string ns, string name, string service) =>
        (string?)factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", ns, name)?["spec"]?["serviceSecrets"]?.AsArray()
            .FirstOrDefault(s => (string?)s!["service"] == service)?["checksum"];

    /// <summary>What the operator renders for the UserDeployment as it is in the cluster now.</summary>
    private IReadOnlyList<JsonObject> Render(string ns, string name)
    {
        var resource = factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", ns, name)!;
        var spec = CustomResources.From<UserDeploymentSpec>(resource["spec"]);
        var yaml = (string?)factory.Kube.Get("v1", "configmaps", ns, spec.TemplateRef!.ConfigMapName)?["data"]?[TemplateConfigMap.Key];
        return ManifestRenderer.Render(UserDeploymentInput.From(resource, UserDeploymentInput.Spec(spec, yaml), "apps.test"), new RenderOptions());
    }

    private string? RenderedChecksum(string ns, string name, string service) =>
        (string?)Render(ns, name).Single(o => (string?)o["kind"] == "Deployment" && (string?)o["metadata"]!["name"] == $"{name}-{service}")
            ["spec"]!["template"]!["metadata"]!["annotations"]![ManifestRenderer.SecretsChecksumAnnotation];
}

/// <summary>With CLUSTER_SECRET_STORE: the External Secrets Operator's CRD is installed in the test API server.</summary>
public sealed class ClusterSecretStoreApiFactory : ClusterApiFactory
{
    public const string Store = "platform-secrets";

    /// <summary>The backend the ExternalSecrets read (a cluster store needs one outside the server's database).</summary>
    public TestSupport.Secrets.FakeVaultServer Vault { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["CLUSTER_SECRET_STORE"] = Store;
            settings["SECRETS_BACKEND"] = "vault";
            settings["VAULT_ADDR"] = Vault.Address.ToString();
            settings["VAULT_TOKEN"] = "s.server-token";
            return settings;
        }
    }

    public override async Task InitializeAsync()
    {
        Vault = await TestSupport.Secrets.FakeVaultServer.StartAsync(token: "s.server-token");
        await base.InitializeAsync();
        Kube.InstallCrds(RepoPaths.ExternalCrds);
    }

    protected override async Task DisposePeersAsync()
    {
        await base.DisposePeersAsync();
        await Vault.DisposeAsync();
    }
}

/// <summary>Secrets into the cluster with a cluster secret store: values in the backend, one ExternalSecret per service reading the winning tier's path.</summary>
public sealed class ClusterSecretStoreTests(ClusterSecretStoreApiFactory factory) : IClassFixture<ClusterSecretStoreApiFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_operators_ExternalSecrets_read_the_winning_tiers_backend_path_and_the_API_server_accepts_them_as_they_are()
    {
        var (org, team, owner) = await ClusterSecretScenario.OrgAsync(factory);
        var id = await ClusterSecretScenario.DeployAsync(owner, team, "delta", password: "form-pw");
        // Published once with the form's value winning (so it is copied to the backend), before the organization's value wins.
        await Eventually.WaitAsync(() => factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", $"sandbox-{team}", "delta"), "first publish", Patience);
        await owner.ExpectAsync(owner.PutAsync("/api/secrets", new { organizationId = org, key = "POSTGRES_PASSWORD", value = "org-pw" }), HttpStatusCode.OK);
        await owner.ExpectAsync(owner.PutAsync("/api/secrets", new { organizationId = org, deploymentId = id, service = "app", key = "APP_ONLY", value = "app-value" }), HttpStatusCode.OK);
        var ns = $"sandbox-{team}";
        var resource = await Eventually.WaitAsync(() => factory.Kube.Get(CustomResources.ApiVersion, "userdeployments", ns, "delta") is { } r
            && r["spec"]?["serviceSecrets"]?.AsArray().Any(s => s!["keys"]!.AsArray().Any(k => (string?)k!["key"] == "APP_ONLY")) == true ? r : null,
            "UserDeployment with the service secret", Patience);

        var spec = CustomResources.From<UserDeploymentSpec>(resource["spec"]);
        var yaml = (string?)factory.Kube.Get("v1", "configmaps", ns, spec.TemplateRef!.ConfigMapName)?["data"]?[TemplateConfigMap.Key];
        var rendered = ManifestRenderer.Render(UserDeploymentInput.From(resource, UserDeploymentInput.Spec(spec, yaml), "apps.test"),
            new RenderOptions(ClusterSecretStoreApiFactory.Store));
        var externalSecrets = rendered.Where(o => (string?)o["kind"] == "ExternalSecret").ToList();
        var kube = KubeClient.For(factory.Kube.Address);
        factory.Kube.ClearRequests();
        var warningsBefore = factory.Kube.Warnings.Count;
        foreach (var externalSecret in externalSecrets)
            await kube.ApplyAsync(KubeResource.ExternalSecrets, externalSecret, "cleanscheduler-operator", force: true);

        Assert.Equal(["delta.app.secrets", "delta.db.secrets"], externalSecrets.Select(e => (string)e["metadata"]!["name"]!).Order());
        Assert.Equal(warningsBefore, factory.Kube.Warnings.Count);   // nothing pruned: every field is declared by the ExternalSecret schema
        var app = factory.Kube.Get("external-secrets.io/v1beta1", "externalsecrets", ns, "delta.app.secrets")!;
        var refs = app["spec"]!["data"]!.AsArray().ToDictionary(d => (string)d!["secretKey"]!, d => ((string)d!["remoteRef"]!["key"]!, (string)d["remoteRef"]!["property"]!));
        Assert.Equal(($"orgs/{Guid.Parse(org):N}", "POSTGRES_PASSWORD"), refs["POSTGRES_PASSWORD"]);   // the organization wins over the deploy form
        Assert.Equal(($"orgs/{Guid.Parse(org):N}/deployments/{Guid.Parse(id):N}/services/app", "APP_ONLY"), refs["APP_ONLY"]);
        Assert.Equal(ClusterSecretStoreApiFactory.Store, (string?)app["spec"]!["secretStoreRef"]!["name"]);
        Assert.Equal("delta.app.secrets", (string?)app["spec"]!["target"]!["name"]);

        // The server wrote the values to the backend, where the ExternalSecrets read them (the deploy form's value too).
        var store = factory.Services.GetRequiredService<ISecretValueStore>();
        Assert.Equal("org-pw", (await store.ReadAsync(SecretScope.ForOrganization(Guid.Parse(org)), default))["POSTGRES_PASSWORD"]);
        Assert.Equal("form-pw", (await store.ReadAsync(SecretScope.ForDeployment(Guid.Parse(org), Guid.Parse(id)), default))["POSTGRES_PASSWORD"]);
        Assert.Null(factory.Kube.Get("v1", "secrets", ns, "delta.app.secrets"));   // the server writes no Secret with a cluster store
        Assert.DoesNotContain("pw", resource.ToJsonString().Replace("POSTGRES_PASSWORD", ""));
    }

    [Fact]
    public async Task An_ExternalSecret_against_the_schema_is_refused_by_the_API_server()
    {
        var (_, team, owner) = await ClusterSecretScenario.OrgAsync(factory);
        await ClusterSecretScenario.DeployAsync(owner, team, "epsilon");
        var ns = $"sandbox-{team}";
        await Eventually.WaitAsync(() => factory.Kube.Get("v1", "namespaces", null, ns), "namespace", Patience);
        var wrong = new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1beta1", ["kind"] = "ExternalSecret",
            ["metadata"] = new JsonObject { ["name"] = "wrong", ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["secretStoreRef"] = new JsonObject { ["name"] = "x", ["kind"] = "NoSuchStore" },
                ["target"] = new JsonObject { ["name"] = "wrong" },
                ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "K" }),
            },
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => KubeClient.For(factory.Kube.Address).ApplyAsync(KubeResource.ExternalSecrets, wrong, "test", force: true));

        Assert.Contains("remoteRef", error.Message);   // the CRD is really enforced, so the acceptance above means something
    }
}

internal static class ClusterSecretScenario
{
    public static async Task<(string Org, string Team, Api Owner)> OrgAsync(ApiFactory factory)
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        var admin = factory.As(ApiFactory.PlatformAdmin);
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        return (org, team, owner);
    }

    public static async Task<string> DeployAsync(Api owner, string team, string name, string password = "form-password")
    {
        var template = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Web app + PostgreSQL").GetProperty("id").GetString()!;
        var values = new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = password };
        return (await owner.ExpectAsync(owner.PostAsync("/api/deployments", new { teamId = team, name, templateId = template, values }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
    }
}
