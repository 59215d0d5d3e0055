using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Collections.Concurrent;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server with KUBERNETES_ENABLED=true against the test API server (CRDs installed), syncing every 300 ms.</summary>
public class ClusterApiFactory : ApiFactory
{
    private string _kubeconfig = "";

    public KubeApiServerTestDouble Kube { get; private set; } = null!;
    public string KubeconfigPath => _kubeconfig;

    /// <summary>What the server logged (warnings and errors, LOG_LEVEL=warning).</summary>
    public LogCapture Logs { get; } = new();

    public ClusterSyncMetrics SyncMetrics => Services.GetRequiredService<ClusterSyncMetrics>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["KUBERNETES_ENABLED"] = "true";
            settings["KUBECONFIG"] = _kubeconfig;
            settings["KUBERNETES_SERVICE_HOST"] = "";   // even when the tests run in a pod: use the kubeconfig
            settings["KUBERNETES_RECONCILE_INTERVAL"] = "300ms";
            settings["DEPLOYMENT_DOMAIN"] = "apps.test";
            return settings;
        }
    }

    public override async Task InitializeAsync()
    {
        Kube = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        _kubeconfig = WriteKubeconfig(Kube);
        await base.InitializeAsync();
    }

    /// <summary>The kubeconfig the server (and an operator started by a test) connects with.</summary>
    protected virtual string WriteKubeconfig(KubeApiServerTestDouble kube) => Kubeconfig.Write(kube.Address);

    protected override async Task DisposePeersAsync()
    {
        await Kube.DisposeAsync();
        Kubeconfig.Delete(_kubeconfig);
    }
}

/// <summary>Keeps every log line of the server: "Category: message".</summary>
public sealed class LogCapture(LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines, minimum);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
    }
}

public sealed class ClusterSyncTests(ClusterApiFactory factory) : IClassFixture<ClusterApiFactory>
{
    private const string Ud = CustomResources.ApiVersion;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private async Task<(Api Owner, string Team, string Handle)> OwnerAsync(string plan = "business")
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        var admin = factory.As(ApiFactory.PlatformAdmin);
        if (plan != "free") await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan }), HttpStatusCode.OK);
        var handle = (await owner.ExpectAsync(owner.GetAsync("/api/me"), HttpStatusCode.OK)).GetProperty("user").GetProperty("handle").GetString()!;
        _namespaces[handle] = $"sandbox-{team}";
        return (owner, team, handle);
    }

    /// <summary>The namespace of the owner's team (KUBERNETES_NAMESPACE's default, sandbox-%s, with the team's id).</summary>
    private readonly Dictionary<string, string> _namespaces = [];

    private string Ns(string handle) => _namespaces[handle];

    private static async Task<JsonElement> DeployAsync(Api owner, string team, string template, string name, Dictionary<string, string?> values) =>
        await owner.ExpectAsync(owner.PostAsync("/api/deployments", new { teamId = team, name, templateId = template, values }), HttpStatusCode.Created);

    private static async Task<string> TemplateAsync(Api api, string team, string name) =>
        (await api.ExpectAsync(api.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;

    private Task<JsonObject> ResourceAsync(string handle, string name, Func<JsonObject, bool>? until = null) =>
        Eventually.WaitAsync(() => factory.Kube.Get(Ud, "userdeployments", Ns(handle), name) is { } r && (until?.Invoke(r) ?? true) ? r : null,
            $"UserDeployment {Ns(handle)}/{name}", Patience);

    /// <summary>The UserDeployment of a deployment, wherever its namespace is.</summary>
    private JsonObject? UserDeploymentOf(string id) =>
        factory.Kube.List(Ud, "userdeployments").SingleOrDefault(r => (string?)r["metadata"]!["labels"]?["scheduler.cleanscheduler.io/deployment-id"] == id);

    private static async Task<JsonElement> DetailsAsync(Api api, string id) => await api.ExpectAsync(api.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK);

    private async Task<long> ScalarAsync(string sql, string id)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", Guid.Parse(id));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<long> OutboxRowsAsync()
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM cluster_outbox", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Creating_a_deployment_writes_namespace_template_ConfigMap_Secrets_per_service_and_UserDeployment()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Web app + PostgreSQL");
        var created = await DeployAsync(owner, team, template, "shop", new() { ["POSTGRES_PASSWORD"] = "s3cret-pw", ["POSTGRES_DB"] = "orders" });
        var id = created.GetProperty("id").GetString();
        var ns = Ns(handle);

        var resource = await ResourceAsync(handle, "shop");
        var spec = resource["spec"]!;
        Assert.Equal("running", (string?)spec["desiredState"]);
        Assert.Equal(id, (string?)spec["deploymentId"]);
        Assert.Equal(id, (string?)resource["metadata"]!["labels"]!["scheduler.cleanscheduler.io/deployment-id"]);
        Assert.Equal((handle, "business"), ((string?)spec["owner"]!["user"], (string?)spec["tier"]));
        Assert.Equal((template, 1), ((string?)spec["templateRef"]!["name"], (int)spec["templateRef"]!["version"]!));
        Assert.Equal("orders", (string?)spec["values"]!["POSTGRES_DB"]);
        Assert.Equal($"{handle}-shop.apps.test", (string?)spec["host"]);
        Assert.Null(spec["secretRefs"]);   // one Secret per service, with the effective set of the three tiers
        var db = spec["serviceSecrets"]!.AsArray().Single(x => (string?)x!["service"] == "db")!;
        Assert.Equal("shop.db.secrets", (string?)db["secretName"]);
        Assert.Equal(["POSTGRES_PASSWORD"], db["keys"]!.AsArray().Select(k => (string)k!["key"]!));
        Assert.Matches("^[0-9a-f]{16}$", (string?)db["checksum"]);
        Assert.DoesNotContain("s3cret-pw", resource.ToJsonString());   // secret values never go into the resource

        Assert.NotNull(factory.Kube.Get("v1", "namespaces", null, ns));
        var map = factory.Kube.Get("v1", "configmaps", ns, $"cs-template-{template}-v1");
        Assert.Contains("postgres:16-alpine", (string?)map?["data"]?["template.yaml"]);
        var secret = await Eventually.WaitAsync(() => factory.Kube.Get("v1", "secrets", ns, "shop.db.secrets"), "the db's Secret", Patience);   // written after the UserDeployment
        Assert.Equal("s3cret-pw", Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["POSTGRES_PASSWORD"]!)));
        Assert.Equal((string?)resource["metadata"]!["uid"], (string?)secret["metadata"]!["ownerReferences"]![0]!["uid"]);

        await Eventually.WaitAsync(async () => await OutboxRowsAsync() == 0 ? "" : null, "outbox emptied", Patience);
    }

    [Fact]
    public async Task Stop_start_and_delete_reach_the_cluster()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Web app + PostgreSQL");
        var id = (await DeployAsync(owner, team, template, "cycle", new() { ["POSTGRES_PASSWORD"] = "pw" })).GetProperty("id").GetString();
        await ResourceAsync(handle, "cycle");

        await owner.ExpectAsync(owner.PostAsync($"/api/deployments/{id}/stop", new { }), HttpStatusCode.OK);
        await ResourceAsync(handle, "cycle", r => (string?)r["spec"]!["desiredState"] == "stopped");
        await owner.ExpectAsync(owner.PostAsync($"/api/deployments/{id}/start", new { }), HttpStatusCode.OK);
        await ResourceAsync(handle, "cycle", r => (string?)r["spec"]!["desiredState"] == "running");

        await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{id}"), HttpStatusCode.NoContent);
        await Eventually.WaitAsync(() => factory.Kube.Get(Ud, "userdeployments", Ns(handle), "cycle") is null ? "" : null, "UserDeployment deleted", Patience);
        Assert.Null(factory.Kube.Get("v1", "secrets", Ns(handle), "cycle-secrets"));
    }

    [Fact]
    public async Task With_the_API_server_down_a_create_answers_201_Pending_and_the_resource_appears_once_it_is_back()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        factory.Kube.Available = false;
        JsonElement created;
        try
        {
            created = await DeployAsync(owner, team, template, "offline", new() { ["PAGE_TITLE"] = "Later" });
            Assert.Equal("Pending", created.GetProperty("phase").GetString());
            await Task.Delay(1500);   // several sync rounds fail meanwhile
            Assert.True(await OutboxRowsAsync() >= 1);
        }
        finally
        {
            factory.Kube.Available = true;
        }
        var resource = await ResourceAsync(handle, "offline");
        Assert.Equal(created.GetProperty("id").GetString(), (string?)resource["spec"]!["deploymentId"]);
        Assert.Equal("Later", (string?)resource["spec"]!["values"]!["PAGE_TITLE"]);
    }

    [Fact]
    public async Task Status_the_operator_reports_shows_in_GET_once_it_describes_the_current_spec()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "observed", [])).GetProperty("id").GetString();
        var resource = await ResourceAsync(handle, "observed");
        var generation = (long)resource["metadata"]!["generation"]!;
        var revision = (long)resource["spec"]!["revision"]!;
        Assert.Equal(1, revision);   // a new deployment's
        var ns = Ns(handle);

        // A report about an older generation (written before the spec changed) or revision is not the current truth.
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "observed", new JsonObject
        {
            ["phase"] = "Failed", ["observedGeneration"] = generation - 1, ["observedRevision"] = revision,
        });
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "observed", new JsonObject
        {
            ["phase"] = "Failed", ["message"] = "older", ["observedGeneration"] = generation, ["observedRevision"] = revision - 1,
        });
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "observed", new JsonObject { ["phase"] = "Failed", ["message"] = "none", ["observedGeneration"] = generation });
        await Task.Delay(1000);
        Assert.Equal("Pending", (await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK)).GetProperty("phase").GetString());

        factory.Kube.SetStatus(Ud, "userdeployments", ns, "observed", new JsonObject
        {
            ["phase"] = "Provisioning", ["message"] = "1 of 1 services starting", ["observedGeneration"] = generation, ["observedRevision"] = revision,
        });
        var message = await Eventually.WaitAsync(async () =>
            await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK) is var d && d.GetProperty("phase").GetString() == "Provisioning"
                ? d.GetProperty("phaseMessage").GetString() ?? "" : null,
            "phase Provisioning", Patience);
        Assert.Equal("1 of 1 services starting", message);

        factory.Kube.SetStatus(Ud, "userdeployments", ns, "observed", new JsonObject
        {
            ["phase"] = "Running", ["observedGeneration"] = generation, ["observedRevision"] = revision,
        });
        await Eventually.WaitAsync<string>(async () =>
            (await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().Any(d => d.GetProperty("phase").GetString() == "Running") ? "" : null,
            "phase Running in the list", Patience);
    }

    [Fact]
    public async Task A_status_with_a_field_of_the_wrong_JSON_type_is_skipped_and_the_sync_goes_on()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var broken = (await DeployAsync(owner, team, template, "broken", [])).GetProperty("id").GetString()!;
        var healthy = (await DeployAsync(owner, team, template, "healthy", [])).GetProperty("id").GetString()!;
        var ns = Ns(handle);
        var resource = await ResourceAsync(handle, "broken");
        var (generation, revision) = ((long)resource["metadata"]!["generation"]!, (long)resource["spec"]!["revision"]!);
        var other = await ResourceAsync(handle, "healthy");

        // Written past the API server's schema (as an etcd edit or an older CRD would allow): a number as text, a list as an object.
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "broken", new JsonObject
        {
            ["phase"] = "Failed", ["message"] = "must not show", ["observedGeneration"] = generation, ["observedRevision"] = revision,
            ["services"] = new JsonObject { ["name"] = "web" },
        });
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "healthy", new JsonObject
        {
            ["phase"] = "Running", ["observedGeneration"] = (long)other["metadata"]!["generation"]!, ["observedRevision"] = $"{other["spec"]!["revision"]}",
        });
        await Task.Delay(1000);
        Assert.Equal("Pending", (await DetailsAsync(owner, broken)).GetProperty("phase").GetString());
        Assert.Equal("Pending", (await DetailsAsync(owner, healthy)).GetProperty("phase").GetString());

        // The next well-formed reports are copied: nothing of the sync broke.
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "broken", new JsonObject
        {
            ["phase"] = "Provisioning", ["observedGeneration"] = generation, ["observedRevision"] = revision,
        });
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "healthy", new JsonObject
        {
            ["phase"] = "Running", ["observedGeneration"] = (long)other["metadata"]!["generation"]!, ["observedRevision"] = (long)other["spec"]!["revision"]!,
        });
        await Eventually.WaitAsync(async () => (await DetailsAsync(owner, broken)).GetProperty("phase").GetString() == "Provisioning"
            && (await DetailsAsync(owner, healthy)).GetProperty("phase").GetString() == "Running" ? "" : null, "both copied", Patience);
    }

    [Fact]
    public async Task Conditions_and_ready_replicas_the_operator_reports_show_in_GET_and_are_forgotten_on_stop()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Web app + PostgreSQL");
        var id = (await DeployAsync(owner, team, template, "conds", new() { ["POSTGRES_PASSWORD"] = "pw" })).GetProperty("id").GetString();
        var before = await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK);
        Assert.Empty(before.GetProperty("conditions").EnumerateArray());
        Assert.All(before.GetProperty("services").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("readyReplicas").ValueKind));

        var resource = await ResourceAsync(handle, "conds");
        var generation = (long)resource["metadata"]!["generation"]!;
        var ns = Ns(handle);
        var since = "2026-11-21T10:00:00Z";
        // The API server holds the status to the CRD's schema; within it, a text may be long and a count negative.
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "conds", new JsonObject
        {
            ["phase"] = "Provisioning", ["message"] = "Waiting for services to become ready", ["observedGeneration"] = generation,
            ["observedRevision"] = (long)resource["spec"]!["revision"]!,
            ["services"] = new JsonArray(
                new JsonObject { ["name"] = "app", ["desiredReplicas"] = 1, ["readyReplicas"] = 1 },
                new JsonObject { ["name"] = "db", ["desiredReplicas"] = 1, ["readyReplicas"] = -3 }),   // nonsense is read as 0
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "Ready", ["status"] = "False", ["reason"] = "Provisioning", ["message"] = "Waiting", ["lastTransitionTime"] = since },
                new JsonObject { ["type"] = "Progressing", ["status"] = "True", ["reason"] = "Reconciling", ["message"] = new string('x', 5000) }),
        });
        var observed = await Eventually.WaitAsync(async () =>
            await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK) is var d
            && d.GetProperty("conditions").GetArrayLength() > 0 ? d.GetRawText() : null, "conditions copied", Patience);
        var details = JsonDocument.Parse(observed).RootElement;
        Assert.Equal("Provisioning", details.GetProperty("phase").GetString());
        var conditions = details.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Equal(["Ready", "Progressing"], conditions.Select(c => c.GetProperty("type").GetString()));
        Assert.Equal(("False", "Provisioning", "Waiting"),
            (conditions[0].GetProperty("status").GetString(), conditions[0].GetProperty("reason").GetString(), conditions[0].GetProperty("message").GetString()));
        Assert.Equal(DateTimeOffset.Parse(since), conditions[0].GetProperty("lastTransitionTime").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, conditions[1].GetProperty("lastTransitionTime").ValueKind);
        Assert.Equal(500, conditions[1].GetProperty("message").GetString()!.Length);
        var ready = details.GetProperty("services").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("readyReplicas").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["app"] = 1, ["db"] = 0 }, ready);

        // Stopping describes a new wish: the old report is forgotten until the operator reports on it.
        var stopped = await owner.ExpectAsync(owner.PostAsync($"/api/deployments/{id}/stop", new { }), HttpStatusCode.OK);
        Assert.Empty(stopped.GetProperty("conditions").EnumerateArray());
        Assert.Empty((await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK)).GetProperty("conditions").EnumerateArray());
    }

    [Fact]
    public async Task A_report_about_the_current_revision_is_copied_even_before_the_outbox_row_of_that_revision_is_done()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "racing", [])).GetProperty("id").GetString()!;
        var resource = await ResourceAsync(handle, "racing");
        var ns = Ns(handle);
        await Eventually.WaitAsync(async () => await OutboxRowsAsync() == 0 ? "" : null, "outbox emptied", Patience);

        // The publisher applied the UserDeployment but has not yet marked its row done (the row is still there, its
        // retry an hour away) when the operator reports on that revision: the report is copied all the same.
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand(
                "INSERT INTO cluster_outbox (deployment_id, operation, namespace, name, created_at, next_attempt_at) " +
                "VALUES (@id, 'apply', @ns, 'racing', now(), now() + interval '1 hour')", connection);
            insert.Parameters.AddWithValue("id", Guid.Parse(id));
            insert.Parameters.AddWithValue("ns", ns);
            await insert.ExecuteNonQueryAsync();
        }
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "racing", new JsonObject
        {
            ["phase"] = "Running", ["message"] = "All services are ready", ["observedGeneration"] = (long)resource["metadata"]!["generation"]!,
            ["observedRevision"] = (long)resource["spec"]!["revision"]!,
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "AllReplicasReady", ["message"] = "ok" }),
        });
        await Eventually.WaitAsync(async () => (await DetailsAsync(owner, id)).GetProperty("phase").GetString() == "Running" ? "" : null, "phase Running", Patience);
        Assert.Equal("Ready", (await DetailsAsync(owner, id)).GetProperty("conditions")[0].GetProperty("type").GetString());
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", id));

        // The row is done after all (the same revision published again): the copied report stays.
        Assert.Equal(1, await ScalarAsync("WITH u AS (UPDATE cluster_outbox SET next_attempt_at = now() WHERE deployment_id = @id RETURNING 1) SELECT count(*) FROM u", id));
        await Eventually.WaitAsync(async () => await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", id) == 0 ? "" : null, "no row left", Patience);
        Assert.Equal("Running", (await DetailsAsync(owner, id)).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task A_resource_that_copies_a_deployments_labels_and_revision_under_another_name_does_not_speak_for_it()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "victim", [])).GetProperty("id").GetString()!;
        var real = await ResourceAsync(handle, "victim");
        var ns = Ns(handle);
        await Eventually.WaitAsync(async () => await OutboxRowsAsync() == 0 ? "" : null, "outbox emptied", Patience);

        // Anyone who may write UserDeployments in the team's namespace can copy the real one's labels, spec and revision.
        var impostor = real.DeepClone().AsObject();
        var metadata = impostor["metadata"]!.AsObject();
        foreach (var field in new[] { "uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "finalizers" }) metadata.Remove(field);
        metadata["name"] = "impostor";
        impostor.Remove("status");
        using (var client = KubeClient.For(factory.Kube.Address))
            await client.CreateAsync(KubeResource.UserDeployments, impostor);
        var created = factory.Kube.Get(Ud, "userdeployments", ns, "impostor")!;
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "impostor", new JsonObject
        {
            ["phase"] = "Failed", ["message"] = "forged", ["observedGeneration"] = (long)created["metadata"]!["generation"]!,
            ["observedRevision"] = (long)real["spec"]!["revision"]!,
        });
        // The same report on the real resource is copied: the forged one, sent first, was not.
        await Task.Delay(1000);
        Assert.NotEqual("forged", (await DetailsAsync(owner, id)).GetProperty("phaseMessage").GetString());
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "victim", new JsonObject
        {
            ["phase"] = "Running", ["message"] = "genuine", ["observedGeneration"] = (long)real["metadata"]!["generation"]!,
            ["observedRevision"] = (long)real["spec"]!["revision"]!,
        });
        await Eventually.WaitAsync(async () => (await DetailsAsync(owner, id)).GetProperty("phaseMessage").GetString() == "genuine" ? "" : null,
            "the real resource's report copied", Patience);
    }

    [Fact]
    public async Task A_report_about_an_older_revision_is_not_copied_even_when_it_arrives_after_the_change_is_published()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "late", [])).GetProperty("id").GetString()!;
        var first = await ResourceAsync(handle, "late");
        var ns = Ns(handle);

        await owner.ExpectAsync(owner.PostAsync($"/api/deployments/{id}/stop", new { }), HttpStatusCode.OK);
        var stopped = await ResourceAsync(handle, "late", r => (string?)r["spec"]!["desiredState"] == "stopped");
        Assert.Equal((long)first["spec"]!["revision"]! + 1, (long)stopped["spec"]!["revision"]!);
        await Eventually.WaitAsync(async () => await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", id) == 0 ? "" : null, "published", Patience);

        // A slow operator reports on the running spec only now; even the resource's current generation does not make it current.
        factory.Kube.SetStatus(Ud, "userdeployments", ns, "late", new JsonObject
        {
            ["phase"] = "Running", ["message"] = "All services are ready", ["observedGeneration"] = (long)stopped["metadata"]!["generation"]!,
            ["observedRevision"] = (long)first["spec"]!["revision"]!,
        });
        await Task.Delay(1000);
        Assert.Equal("Stopped", (await DetailsAsync(owner, id)).GetProperty("phase").GetString());

        factory.Kube.SetStatus(Ud, "userdeployments", ns, "late", new JsonObject
        {
            ["phase"] = "Provisioning", ["message"] = "Scaling down to zero", ["observedGeneration"] = (long)stopped["metadata"]!["generation"]!,
            ["observedRevision"] = (long)stopped["spec"]!["revision"]!,
        });
        await Eventually.WaitAsync(async () => (await DetailsAsync(owner, id)).GetProperty("phaseMessage").GetString() == "Scaling down to zero" ? "" : null,
            "the report on the current revision copied", Patience);
    }

    [Fact]
    public async Task Migration_0011_gives_existing_deployments_revision_1_and_an_apply_row_so_their_resources_carry_it()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "legacy", [])).GetProperty("id").GetString()!;
        await ResourceAsync(handle, "legacy");
        await Eventually.WaitAsync(async () => await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", id) == 0 ? "" : null, "published", Patience);

        // The schema before 0011 (no revision), then 0011, in a transaction rolled back so that the running sync takes nothing.
        var migration = Infrastructure.Persistence.DatabaseMigrator.Embedded.Single(m => m.Version == "0011");
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var before = new NpgsqlCommand("ALTER TABLE deployments DROP COLUMN revision", connection, transaction)) await before.ExecuteNonQueryAsync();
        await using (var migrate = new NpgsqlCommand(migration.Sql, connection, transaction)) await migrate.ExecuteNonQueryAsync();
        await using var read = new NpgsqlCommand(
            "SELECT d.revision, (SELECT count(*) FROM cluster_outbox o WHERE o.deployment_id = d.id AND o.operation = 'apply') FROM deployments d WHERE d.id = @id",
            connection, transaction);
        read.Parameters.AddWithValue("id", Guid.Parse(id));
        await using (var reader = await read.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((1L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
        }
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task A_UserDeployment_deleted_in_the_cluster_while_its_deployment_is_stored_is_created_again()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        await DeployAsync(owner, team, template, "resilient", []);
        var first = await ResourceAsync(handle, "resilient");

        using var kube = new HttpClient { BaseAddress = factory.Kube.Address };
        using var deleted = await kube.DeleteAsync($"/apis/{Ud}/namespaces/{Ns(handle)}/userdeployments/resilient");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        var again = await ResourceAsync(handle, "resilient", r => (string?)r["metadata"]!["uid"] != (string?)first["metadata"]!["uid"]);
        Assert.Equal((string?)first["spec"]!["deploymentId"], (string?)again["spec"]!["deploymentId"]);
    }

    [Fact]
    public async Task Every_UserDeployment_the_server_writes_is_accepted_by_the_CRD_as_it_is_with_nothing_pruned()
    {
        // Each tier (its limits and quota) and each system template (with and without secrets), running and stopped.
        var written = new List<(Api Owner, string Id)>();
        foreach (var plan in new[] { "free", "business", "enterprise" })
        {
            var (owner, team, _) = await OwnerAsync(plan);
            var templates = plan == "free" ? ["Static site"] : new[] { "Static site", "Web app + PostgreSQL", "Web app + Redis cache" };
            foreach (var (name, index) in templates.Select((t, i) => (t, i)))
            {
                var values = name == "Web app + PostgreSQL" ? new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = "pw \" ' \n x" } : [];
                var id = (await DeployAsync(owner, team, await TemplateAsync(owner, team, name), $"all-{index}", values)).GetProperty("id").GetString()!;
                if (index == 0) await owner.ExpectAsync(owner.PostAsync($"/api/deployments/{id}/stop", new { }), HttpStatusCode.OK);
                written.Add((owner, id));
            }
        }
        foreach (var (_, id) in written)
            await Eventually.WaitAsync(async () => UserDeploymentOf(id) is not null && await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", id) == 0 ? "" : null,
                $"UserDeployment of {id} written", Patience);

        Assert.DoesNotContain(factory.Kube.Warnings, w => w.Contains("/userdeployments", StringComparison.Ordinal));
        foreach (var (owner, id) in written)
        {
            var resource = UserDeploymentOf(id)!;
            Assert.Equal(["name", "version"], resource["spec"]!["templateRef"]!.AsObject().Select(p => p.Key).Order());
            Assert.NotEqual("Failed", (await DetailsAsync(owner, id)).GetProperty("phase").GetString());
        }
    }

    /// <summary>The CRD installed in the cluster before spec.host was added to it (a cluster whose CRDs were not upgraded).</summary>
    private static JsonObject CrdWithoutHost()
    {
        var crd = YamlJson.Documents(File.ReadAllText(Path.Combine(RepoPaths.Crds, "userdeployments.yaml"))).Single(d => (string?)d["kind"] == "CustomResourceDefinition");
        var spec = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!.AsObject();
        Assert.True(spec["properties"]!.AsObject().Remove("host"));
        return crd;
    }

    [Fact]
    public async Task A_UserDeployment_the_API_server_refuses_as_wrong_shows_Failed_with_its_message_and_is_not_retried_until_the_deployment_changes()
    {
        var (owner, team, _) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var rejectedBefore = factory.SyncMetrics.Errors(ClusterSyncErrorKind.Rejected);
        factory.Kube.InstallCrd(CrdWithoutHost());
        string id;
        try
        {
            id = (await DeployAsync(owner, team, template, "refused", [])).GetProperty("id").GetString()!;
            var message = await Eventually.WaitAsync(async () => await DetailsAsync(owner, id) is var d && d.GetProperty("phase").GetString() == "Failed"
                ? d.GetProperty("phaseMessage").GetString() : null, "phase Failed", Patience);
            Assert.Contains("failed to create typed patch object", message, StringComparison.Ordinal);
            Assert.Contains(".spec.host: field not declared in schema", message, StringComparison.Ordinal);
            Assert.Null(UserDeploymentOf(id));

            // Parked: several sync intervals (300 ms) and back-off steps later, the same apply was not sent again.
            int Applies() => factory.Kube.Requests.Count(r => r.StartsWith("PATCH ", StringComparison.Ordinal) && r.Contains("/userdeployments/refused?", StringComparison.Ordinal));
            var applies = Applies();
            await Task.Delay(2500);
            Assert.Equal(applies, Applies());
            Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id AND next_attempt_at = 'infinity'", id));
            Assert.True(factory.SyncMetrics.Errors(ClusterSyncErrorKind.Rejected) > rejectedBefore);
            Assert.Contains(factory.Logs.Lines, l => l.Contains(id, StringComparison.Ordinal) && l.Contains("field not declared in schema", StringComparison.Ordinal));
            Assert.Equal("Failed", (await DetailsAsync(owner, id)).GetProperty("phase").GetString());   // status reports and resyncs do not hide it
        }
        finally
        {
            factory.Kube.InstallCrds(RepoPaths.Crds);
        }

        // Once the CRD is upgraded, the deployment's next change is published, and it supersedes the parked row.
        await owner.ExpectAsync(owner.PostAsync($"/api/deployments/{id}/stop", new { }), HttpStatusCode.OK);
        await Eventually.WaitAsync(() => UserDeploymentOf(id) is { } r && (string?)r["spec"]!["desiredState"] == "stopped" ? "" : null, "stopped UserDeployment", Patience);
        await Eventually.WaitAsync(async () => await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", id) == 0 ? "" : null, "no row left", Patience);
        Assert.Equal("Stopped", (await DetailsAsync(owner, id)).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task A_refusal_of_a_change_the_deployment_no_longer_has_does_not_mark_it_Failed()
    {
        var (owner, team, _) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var rejectedBefore = factory.SyncMetrics.Errors(ClusterSyncErrorKind.Rejected);
        factory.Kube.InstallCrd(CrdWithoutHost());
        try
        {
            string id;
            factory.Kube.Available = false;
            try
            {
                id = (await DeployAsync(owner, team, template, "outdated", [])).GetProperty("id").GetString()!;
                // A later change committed while the first one is being sent (its row not due yet).
                await using var connection = new NpgsqlConnection(factory.ConnectionString);
                await connection.OpenAsync();
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO cluster_outbox (deployment_id, operation, namespace, name, created_at, next_attempt_at) " +
                    "SELECT deployment_id, 'apply', namespace, name, now(), now() + interval '1 hour' FROM cluster_outbox WHERE deployment_id = @id", connection);
                insert.Parameters.AddWithValue("id", Guid.Parse(id));
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }
            finally
            {
                factory.Kube.Available = true;
            }
            await Eventually.WaitAsync(() => factory.SyncMetrics.Errors(ClusterSyncErrorKind.Rejected) > rejectedBefore ? "" : null, "the refusal handled", Patience);
            Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id AND next_attempt_at = 'infinity'", id));
            Assert.Equal("Pending", (await DetailsAsync(owner, id)).GetProperty("phase").GetString());
            await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{id}"), HttpStatusCode.NoContent);
            await using (var connection = new NpgsqlConnection(factory.ConnectionString))
            {
                await connection.OpenAsync();
                await using var due = new NpgsqlCommand("UPDATE cluster_outbox SET next_attempt_at = now() WHERE deployment_id = @id AND next_attempt_at <> 'infinity'", connection);
                due.Parameters.AddWithValue("id", Guid.Parse(id));
                await due.ExecuteNonQueryAsync();
            }
            await Eventually.WaitAsync(async () => await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", id) == 0 ? "" : null, "no row left", Patience);
        }
        finally
        {
            factory.Kube.InstallCrds(RepoPaths.Crds);
        }
    }

    [Fact]
    public async Task A_deployment_whose_secret_cannot_be_decrypted_fails_alone_and_the_next_one_reaches_the_cluster_in_the_same_pass()
    {
        var (owner, team, _) = await OwnerAsync();
        var withSecret = await TemplateAsync(owner, team, "Web app + PostgreSQL");
        var plain = await TemplateAsync(owner, team, "Static site");
        var errorsBefore = factory.SyncMetrics.Errors(ClusterSyncErrorKind.SecretUnreadable);
        const string Attempts = "SELECT max(attempts) FROM cluster_outbox WHERE deployment_id = @id";
        string locked, next, keyId;
        factory.Kube.Available = false;   // both changes wait in the outbox, the broken one first
        try
        {
            locked = (await DeployAsync(owner, team, withSecret, "locked", new() { ["POSTGRES_PASSWORD"] = "never-shown-pw" })).GetProperty("id").GetString()!;
            next = (await DeployAsync(owner, team, plain, "next", [])).GetProperty("id").GetString()!;
            // The key the value was encrypted with is gone (a lost or wrongly rotated key).
            await using (var connection = new NpgsqlConnection(factory.ConnectionString))
            {
                await connection.OpenAsync();
                await using var read = new NpgsqlCommand("SELECT key_id FROM deployment_secret_values WHERE deployment_id = @id", connection);
                read.Parameters.AddWithValue("id", Guid.Parse(locked));
                keyId = (string)(await read.ExecuteScalarAsync())!;
            }
            Assert.Equal(1, await ScalarAsync("WITH u AS (UPDATE deployment_secret_values SET key_id = 'retired-key' WHERE deployment_id = @id RETURNING 1) SELECT count(*) FROM u", locked));
            // A pass that read the deployment before that is over once the row has been claimed again.
            var seen = await ScalarAsync(Attempts, locked);
            await Eventually.WaitAsync(async () => await ScalarAsync(Attempts, locked) > seen ? "" : null, "a sync pass after the key was lost", Patience);
            Assert.True(await ScalarAsync("SELECT min(seq) FROM cluster_outbox WHERE deployment_id = @id", locked)
                < await ScalarAsync("SELECT min(seq) FROM cluster_outbox WHERE deployment_id = @id", next));
        }
        finally
        {
            factory.Kube.Available = true;
        }

        // The other deployment is not held back (before, the failing row ended the pass and kept the batch leased for minutes).
        await Eventually.WaitAsync(() => UserDeploymentOf(next) is not null ? "" : null, "the healthy deployment in the cluster", Patience);
        var failed = await Eventually.WaitAsync(async () => await DetailsAsync(owner, locked) is var d && d.GetProperty("phase").GetString() == "Failed"
            ? d.GetProperty("phaseMessage").GetString() : null, "phase Failed", Patience);
        Assert.Contains("POSTGRES_PASSWORD", failed, StringComparison.Ordinal);
        Assert.Contains("cannot be decrypted", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown-pw", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("retired-key", failed, StringComparison.Ordinal);   // nor which keys the server has
        Assert.True(factory.SyncMetrics.Errors(ClusterSyncErrorKind.SecretUnreadable) > errorsBefore);
        Assert.Contains(factory.Logs.Lines, l => l.Contains(locked, StringComparison.Ordinal) && l.Contains("cannot be decrypted", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("never-shown-pw", StringComparison.Ordinal));
        Assert.Null(factory.Kube.List("v1", "secrets").FirstOrDefault(x => (string?)x["metadata"]!["name"] == "locked.db.secrets"));

        // The row stays and backs off (it is retried: attempts grow, it is not parked), and its last error names the cause.
        var attempts = await ScalarAsync(Attempts, locked);
        await Eventually.WaitAsync(async () => await ScalarAsync(Attempts, locked) > attempts ? "" : null, "the broken row retried", Patience);
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id AND (next_attempt_at = 'infinity' OR last_error NOT LIKE '%POSTGRES_PASSWORD%')", locked));

        // The key is back: the next retry publishes it, and the failure the sync showed is over.
        Assert.Equal(1, await ScalarAsync($"WITH u AS (UPDATE deployment_secret_values SET key_id = '{keyId}' WHERE deployment_id = @id RETURNING 1) SELECT count(*) FROM u", locked));
        await Eventually.WaitAsync(async () => await ScalarAsync("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", locked) == 0 ? "" : null, "no row left", Patience);
        var secret = factory.Kube.List("v1", "secrets").Single(x => (string?)x["metadata"]!["name"] == "locked.db.secrets");
        Assert.Equal("never-shown-pw", Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["POSTGRES_PASSWORD"]!)));
        Assert.Equal(("Pending", JsonValueKind.Null), await DetailsAsync(owner, locked) is var d ? (d.GetProperty("phase").GetString(), d.GetProperty("phaseMessage").ValueKind) : default);
    }

    private static JsonObject PodLabels(string instance, string service) => new()
    {
        ["app.kubernetes.io/instance"] = instance, ["app.kubernetes.io/component"] = service, ["app.kubernetes.io/name"] = service,
    };

    /// <summary>The SSE events of a finished stream as (event, data) pairs; comments (heartbeats) are skipped.</summary>
    private static List<(string Event, JsonElement Data)> Events(string text) =>
        text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Where(lines => lines.Any(l => l.StartsWith("event: ", StringComparison.Ordinal)))
            .Select(lines => (lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..],
                JsonDocument.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]).RootElement.Clone()))
            .ToList();

    [Fact]
    public async Task Logs_stream_every_pod_of_the_deployment_as_server_sent_events()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "chatty", [])).GetProperty("id").GetString();
        await ResourceAsync(handle, "chatty");
        var ns = Ns(handle);
        factory.Kube.AddPod(ns, "chatty-web-1", PodLabels("chatty", "web"), ["one", "two", "three"], container: "web");
        factory.Kube.AddPod(ns, "chatty-web-2", PodLabels("chatty", "web"), ["other pod"], container: "web");
        factory.Kube.AddPod(ns, "unrelated-web-1", PodLabels("unrelated", "web"), ["not ours"], container: "web");

        using var response = await owner.GetAsync($"/api/deployments/{id}/logs?follow=false&tailLines=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = Events(await response.Content.ReadAsStringAsync());

        var lines = events.Where(e => e.Event == "log").Select(e => (e.Data.GetProperty("pod").GetString(), e.Data.GetProperty("service").GetString(), e.Data.GetProperty("line").GetString())).ToList();
        Assert.Equal([("chatty-web-1", "web", "two"), ("chatty-web-1", "web", "three")], lines.Where(l => l.Item1 == "chatty-web-1"));
        Assert.Contains(("chatty-web-2", "web", "other pod"), lines);
        Assert.DoesNotContain(lines, l => l.Item3 == "not ours");
        Assert.Equal("end", events[^1].Event);
    }

    [Fact]
    public async Task Following_logs_delivers_lines_as_the_pod_writes_them()
    {
        var (owner, team, handle) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "live", [])).GetProperty("id").GetString();
        await ResourceAsync(handle, "live");
        var ns = Ns(handle);
        factory.Kube.AddPod(ns, "live-web-1", PodLabels("live", "web"), ["booted"], container: "web");

        using var cancel = new CancellationTokenSource(Patience);
        using var response = await owner.Http.GetAsync($"/api/deployments/{id}/logs", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        async Task<string> NextLogLineAsync()
        {
            while (await reader.ReadLineAsync(cancel.Token) is { } line)
                if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("\"line\"", StringComparison.Ordinal))
                    return JsonDocument.Parse(line[6..]).RootElement.GetProperty("line").GetString()!;
            throw new EndOfStreamException();
        }

        Assert.Equal("booted", await NextLogLineAsync());
        factory.Kube.AppendLog(ns, "live-web-1", "request served");
        Assert.Equal("request served", await NextLogLineAsync());
    }

    [Fact]
    public async Task Logs_refuse_a_bad_tail_and_other_tenants()
    {
        var (owner, team, _) = await OwnerAsync();
        var template = await TemplateAsync(owner, team, "Static site");
        var id = (await DeployAsync(owner, team, template, "guarded", [])).GetProperty("id").GetString();

        await Api.ValidationProblemAsync(owner.GetAsync($"/api/deployments/{id}/logs?tailLines=-1"), "tailLines");
        await Api.ValidationProblemAsync(owner.GetAsync($"/api/deployments/{id}/logs?service=Not_A_Service"), "service");
        var stranger = factory.As(ApiFactory.NewEmail("stranger"));
        await Api.ProblemAsync(stranger.GetAsync($"/api/deployments/{id}/logs"), HttpStatusCode.NotFound);
    }
}
