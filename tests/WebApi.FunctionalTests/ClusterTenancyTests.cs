using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.Infrastructure.Persistence;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using Npgsql;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// Cluster tenancy with the server syncing to the test API server: one namespace per organization, plan changes
/// reaching every UserDeployment, orphans removed by the full comparison, and existing deployments after the upgrade.
/// </summary>
public sealed class ClusterTenancyTests(ClusterApiFactory factory) : IClassFixture<ClusterApiFactory>
{
    private const string Ud = CustomResources.ApiVersion;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>KUBERNETES_NAMESPACE's default, sandbox-%s, with the team's id.</summary>
    private static string NamespaceOf(string team) => $"sandbox-{team}";

    private async Task<(string Org, string Team)> OrgAsync(Api owner, string plan)
    {
        var (org, team) = await owner.CreateOrgAsync();
        var admin = factory.As(ApiFactory.PlatformAdmin);
        if (plan != "free") await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan }), HttpStatusCode.OK);
        return (org, team);
    }

    private static async Task<string> HandleAsync(Api api) =>
        (await api.ExpectAsync(api.GetAsync("/api/me"), HttpStatusCode.OK)).GetProperty("user").GetProperty("handle").GetString()!;

    private static async Task<string> TemplateAsync(Api api, string team, string name) =>
        (await api.ExpectAsync(api.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;

    private static async Task<string> DeployAsync(Api owner, string team, string template, string name) =>
        (await owner.ExpectAsync(owner.PostAsync("/api/deployments", new { teamId = team, name, templateId = template, values = new { } }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;

    private Task<JsonObject> ResourceAsync(string ns, string name, Func<JsonObject, bool>? until = null) =>
        Eventually.WaitAsync(() => factory.Kube.Get(Ud, "userdeployments", ns, name) is { } r && (until?.Invoke(r) ?? true) ? r : null,
            $"UserDeployment {ns}/{name}", Patience);

    private static string? Tier(JsonObject resource) => (string?)resource["spec"]!["tier"];

    private static string? QuotaCpu(JsonObject resource) => (string?)resource["spec"]!["limits"]?["quota"]?["cpu"];

    private static string? Isolation(JsonObject resource) => (string?)resource["spec"]!["limits"]?["isolation"];

    /// <summary>A copy of a stored resource, without what the API server sets, to write again elsewhere (as a person or an older server would).</summary>
    private static JsonObject Copy(JsonObject resource, string ns, string name, JsonObject? labels)
    {
        var copy = (JsonObject)resource.DeepClone();
        copy.Remove("status");
        copy["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (labels is not null) copy["metadata"]!["labels"] = labels;
        return copy;
    }

    private async Task CreateAsync(string path, JsonObject body)
    {
        using var kube = new HttpClient { BaseAddress = factory.Kube.Address };
        using var response = await kube.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private Task CreateNamespaceAsync(string ns) =>
        CreateAsync("/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });

    private Task CreateResourceAsync(JsonObject resource) =>
        CreateAsync($"/apis/{Ud}/namespaces/{(string)resource["metadata"]!["namespace"]!}/userdeployments", resource);

    private static JsonObject ServerLabels(string deploymentId) => new()
    {
        ["app.kubernetes.io/managed-by"] = "cleanscheduler-server", ["scheduler.cleanscheduler.io/deployment-id"] = deploymentId,
    };

    /// <summary>The ResourceQuota the operator renders for a UserDeployment as stored (with its published template).</summary>
    private JsonObject? RenderedQuota(JsonObject resource)
    {
        var ns = (string)resource["metadata"]!["namespace"]!;
        var spec = CustomResources.From<UserDeploymentResource>(resource).Spec!;
        var template = (string?)factory.Kube.Get("v1", "configmaps", ns, spec.TemplateRef!.ConfigMapName)?["data"]?["template.yaml"];
        var input = UserDeploymentInput.From(resource, UserDeploymentInput.Spec(spec, template), "apps.test");
        Assert.Equal(ns, input.Namespace);
        return ManifestRenderer.Render(input, new RenderOptions()).SingleOrDefault(o => (string?)o["kind"] == "ResourceQuota");
    }

    [Fact]
    public async Task Same_named_deployments_of_two_teams_and_two_users_of_one_organization_each_keep_their_own_resource()
    {
        // A deployment's name is unique in its team only: two teams' "web" (by two users, so two hosts) must not be one
        // UserDeployment, nor share a Secret, nor overwrite each other's values.
        var owner = factory.As(ApiFactory.NewEmail("teamsowner"));
        var (org, team) = await OrgAsync(owner, "business");
        var other = (await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Other" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var colleague = await factory.SignedUpAsync("teamsmate");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{other}/members", new { email = colleague.Email, role = "developer" }), HttpStatusCode.Created);
        var template = await TemplateAsync(owner, team, "Web app + PostgreSQL");
        var mine = (await owner.ExpectAsync(owner.PostAsync("/api/deployments", new { teamId = team, name = "web", templateId = template,
            values = new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = "mine-pw" } }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var theirs = (await colleague.ExpectAsync(colleague.PostAsync("/api/deployments", new { teamId = other, name = "web", templateId = template,
            values = new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = "their-pw" } }), HttpStatusCode.Created)).GetProperty("id").GetString()!;

        var first = await ResourceAsync(NamespaceOf(team), "web");
        var second = await ResourceAsync(NamespaceOf(other), "web");
        Assert.NotEqual(NamespaceOf(team), NamespaceOf(other));
        Assert.Equal(mine, (string?)first["metadata"]!["labels"]!["scheduler.cleanscheduler.io/deployment-id"]);
        Assert.Equal(theirs, (string?)second["metadata"]!["labels"]!["scheduler.cleanscheduler.io/deployment-id"]);
        Assert.NotEqual((string?)first["spec"]!["host"], (string?)second["spec"]!["host"]);
        // The publisher writes the Secrets after the UserDeployment (they are owned by it): wait for them.
        var mineSecret = await Eventually.WaitAsync(() => factory.Kube.Get("v1", "secrets", NamespaceOf(team), "web.db.secrets"), "mine's Secret", Patience);
        var theirSecret = await Eventually.WaitAsync(() => factory.Kube.Get("v1", "secrets", NamespaceOf(other), "web.db.secrets"), "their Secret", Patience);
        Assert.Equal("mine-pw", Encoding.UTF8.GetString(Convert.FromBase64String((string)mineSecret["data"]!["POSTGRES_PASSWORD"]!)));
        Assert.Equal("their-pw", Encoding.UTF8.GetString(Convert.FromBase64String((string)theirSecret["data"]!["POSTGRES_PASSWORD"]!)));

        // Deleting one leaves the other.
        await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{mine}"), HttpStatusCode.NoContent);
        await Eventually.WaitAsync(() => factory.Kube.Get(Ud, "userdeployments", NamespaceOf(team), "web") is null ? "" : null, "mine deleted", Patience);
        Assert.NotNull(factory.Kube.Get(Ud, "userdeployments", NamespaceOf(other), "web"));
    }

    [Fact]
    public async Task Two_organizations_of_one_user_get_two_namespaces_each_with_its_own_tier_and_quota()
    {
        var owner = factory.As(ApiFactory.NewEmail("twoorgs"));
        var handle = await HandleAsync(owner);
        var (free, freeTeam) = await OrgAsync(owner, "free");
        var (business, businessTeam) = await OrgAsync(owner, "business");
        await DeployAsync(owner, freeTeam, await TemplateAsync(owner, freeTeam, "Static site"), "hobby");
        await DeployAsync(owner, businessTeam, await TemplateAsync(owner, businessTeam, "Static site"), "work");

        var hobby = await ResourceAsync(NamespaceOf(freeTeam), "hobby");
        var work = await ResourceAsync(NamespaceOf(businessTeam), "work");
        Assert.NotEqual(NamespaceOf(freeTeam), NamespaceOf(businessTeam));
        Assert.Equal(("free", "1", "shared"), (Tier(hobby), QuotaCpu(hobby), Isolation(hobby)));
        Assert.Equal(("business", "8", "namespace"), (Tier(work), QuotaCpu(work), Isolation(work)));
        // The address still names the user, wherever the deployment lives.
        Assert.Equal(($"{handle}-hobby.apps.test", $"{handle}-work.apps.test"), ((string?)hobby["spec"]!["host"], (string?)work["spec"]!["host"]));
        Assert.Empty(factory.Kube.List(Ud, "userdeployments", $"sandbox-{handle}"));

        // Each namespace is labelled with its organization, and holds only that organization's deployments.
        Assert.Equal(free, (string?)factory.Kube.Get("v1", "namespaces", null, NamespaceOf(freeTeam))!["metadata"]!["labels"]!["scheduler.cleanscheduler.io/organization"]);
        Assert.Equal(business, (string?)factory.Kube.Get("v1", "namespaces", null, NamespaceOf(businessTeam))!["metadata"]!["labels"]!["scheduler.cleanscheduler.io/organization"]);
        Assert.All(factory.Kube.List(Ud, "userdeployments", NamespaceOf(freeTeam)), r => Assert.Equal(free, (string?)r["spec"]!["owner"]!["organizationId"]));
        Assert.All(factory.Kube.List(Ud, "userdeployments", NamespaceOf(businessTeam)), r => Assert.Equal(business, (string?)r["spec"]!["owner"]!["organizationId"]));

        // What the operator makes of them: a quota per namespace, each the organization's tier.
        var freeQuota = RenderedQuota(hobby)!;
        var businessQuota = RenderedQuota(work)!;
        Assert.Equal((NamespaceOf(freeTeam), "1", "5"), ((string?)freeQuota["metadata"]!["namespace"], (string?)freeQuota["spec"]!["hard"]!["requests.cpu"], (string?)freeQuota["spec"]!["hard"]!["pods"]));
        Assert.Equal((NamespaceOf(businessTeam), "8", "50"), ((string?)businessQuota["metadata"]!["namespace"], (string?)businessQuota["spec"]!["hard"]!["requests.cpu"], (string?)businessQuota["spec"]!["hard"]!["pods"]));
    }

    [Fact]
    public async Task Plan_upgrades_downgrades_and_custom_plan_edits_reach_every_UserDeployment_of_the_organization()
    {
        var owner = factory.As(ApiFactory.NewEmail("upgrader"));
        var admin = factory.As(ApiFactory.PlatformAdmin);
        var (org, team) = await OrgAsync(owner, "business");
        var ns = NamespaceOf(team);
        var template = await TemplateAsync(owner, team, "Static site");
        await DeployAsync(owner, team, template, "one");
        await DeployAsync(owner, team, template, "two");
        string[] names = ["one", "two"];
        foreach (var name in names) await ResourceAsync(ns, name, r => Tier(r) == "business");

        // Upgrade: enterprise has no quota and dedicated isolation.
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "enterprise" }), HttpStatusCode.OK);
        foreach (var name in names)
        {
            var upgraded = await ResourceAsync(ns, name, r => Tier(r) == "enterprise");
            Assert.Equal((null, "dedicated"), (QuotaCpu(upgraded), Isolation(upgraded)));
            Assert.Null(RenderedQuota(upgraded));
        }

        // Downgrade: the deployments stay (beyond the new limit) but get the free tier's quota and isolation.
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "free" }), HttpStatusCode.OK);
        foreach (var name in names)
        {
            var downgraded = await ResourceAsync(ns, name, r => Tier(r) == "free");
            Assert.Equal(("1", "shared"), (QuotaCpu(downgraded), Isolation(downgraded)));
        }

        // A custom plan, then an edit of that plan: every organization on it gets the new quota.
        var code = $"custom-{Guid.NewGuid():N}"[..20];
        var plan = await admin.ExpectAsync(admin.PostAsync("/api/plans",
            new { code, name = "Custom", tier = "business", limits = new { quota = new { cpu = "3", memory = "6Gi", pods = 30 } } }), HttpStatusCode.Created);
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = code }), HttpStatusCode.OK);
        foreach (var name in names) await ResourceAsync(ns, name, r => Tier(r) == "business" && QuotaCpu(r) == "3");
        await admin.ExpectAsync(admin.PutAsync($"/api/plans/{plan.GetProperty("id").GetString()}",
            new { name = "Custom", limits = new { quota = new { cpu = "4", memory = "6Gi", pods = 30 } } }), HttpStatusCode.OK);
        foreach (var name in names)
        {
            var revised = await ResourceAsync(ns, name, r => QuotaCpu(r) == "4");
            Assert.Equal(("business", "namespace", "4"), (Tier(revised), Isolation(revised), (string?)RenderedQuota(revised)!["spec"]!["hard"]!["requests.cpu"]));
        }
    }

    [Fact]
    public async Task Removing_a_deployment_leaves_another_deployments_Secret_that_carries_its_legacy_Secret_name()
    {
        var owner = factory.As(ApiFactory.NewEmail("legacy"));
        var (_, team) = await OrgAsync(owner, "business");
        var ns = NamespaceOf(team);
        var template = await TemplateAsync(owner, team, "Static site");
        var shop = await DeployAsync(owner, team, template, "shop");
        var shopDb = await DeployAsync(owner, team, template, "shop-db");
        await ResourceAsync(ns, "shop-db");
        // Deployment "shop"'s Secret for its service "db" as the first per-service naming wrote it: the legacy name of "shop-db".
        await CreateAsync($"/api/v1/namespaces/{ns}/secrets", new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "Opaque",
            ["metadata"] = new JsonObject
            {
                ["name"] = "shop-db-secrets", ["namespace"] = ns,
                ["labels"] = new JsonObject
                {
                    ["app.kubernetes.io/managed-by"] = "cleanscheduler-server", ["scheduler.cleanscheduler.io/deployment-id"] = shop,
                    ["app.kubernetes.io/instance"] = "shop", ["app.kubernetes.io/component"] = "db",
                },
            },
        });

        await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{shopDb}"), HttpStatusCode.NoContent);

        await Eventually.WaitAsync(() => factory.Kube.Get(Ud, "userdeployments", ns, "shop-db") is null ? "" : null, "UserDeployment removed", Patience);
        Assert.NotNull(factory.Kube.Get("v1", "secrets", ns, "shop-db-secrets"));
    }

    [Fact]
    public async Task The_full_comparison_removes_orphaned_server_made_UserDeployments_and_keeps_hand_written_ones()
    {
        var owner = factory.As(ApiFactory.NewEmail("orphans"));
        var handle = await HandleAsync(owner);
        var (org, team) = await OrgAsync(owner, "business");
        var ns = NamespaceOf(team);
        var id = await DeployAsync(owner, team, await TemplateAsync(owner, team, "Static site"), "kept");
        var real = await ResourceAsync(ns, "kept");

        // Server-made (both labels) but no deployment stored for it: an orphan, with the Secret the server wrote beside it (owned by it).
        var ghost = Guid.NewGuid().ToString();
        await CreateResourceAsync(Copy(real, ns, "ghost", ServerLabels(ghost)));
        var ghostUid = (string)factory.Kube.Get(Ud, "userdeployments", ns, "ghost")!["metadata"]!["uid"]!;
        await CreateAsync($"/api/v1/namespaces/{ns}/secrets", new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "Opaque",
            ["metadata"] = new JsonObject
            {
                ["name"] = "ghost-secrets", ["namespace"] = ns, ["labels"] = ServerLabels(ghost),
                ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = Ud, ["kind"] = "UserDeployment", ["name"] = "ghost", ["uid"] = ghostUid }),
            },
        });
        // Server-made for an organization this database does not know (another installation sharing the cluster): not ours to remove.
        var foreign = Copy(real, ns, "foreign", ServerLabels(Guid.NewGuid().ToString()));
        foreign["spec"]!["owner"]!["organizationId"] = Guid.NewGuid().ToString();
        await CreateResourceAsync(foreign);
        // Hand-written: no labels, though its spec names a deployment id; never touched.
        await CreateResourceAsync(Copy(real, ns, "mine", null));
        // The deployment's own UserDeployment left in another namespace (the user's, as before one namespace per organization).
        await CreateNamespaceAsync($"sandbox-{handle}");
        await CreateResourceAsync(Copy(real, $"sandbox-{handle}", "kept", ServerLabels(id)));

        await Eventually.WaitAsync(() => factory.Kube.Get(Ud, "userdeployments", ns, "ghost") is null
            && factory.Kube.Get(Ud, "userdeployments", $"sandbox-{handle}", "kept") is null ? "" : null, "orphans removed", Patience);
        Assert.Null(factory.Kube.Get("v1", "secrets", ns, "ghost-secrets"));
        Assert.NotNull(factory.Kube.Get(Ud, "userdeployments", ns, "mine"));
        Assert.NotNull(factory.Kube.Get(Ud, "userdeployments", ns, "foreign"));
        var still = factory.Kube.Get(Ud, "userdeployments", ns, "kept");
        Assert.Equal((string?)real["metadata"]!["uid"], (string?)still?["metadata"]?["uid"]);   // the deployment's own is left alone
    }

    [Fact]
    public async Task After_the_upgrade_an_existing_deployment_moves_to_its_organizations_namespace_and_keeps_its_host()
    {
        var owner = factory.As(ApiFactory.NewEmail("upgraded"));
        var handle = await HandleAsync(owner);
        var (org, team) = await OrgAsync(owner, "business");
        var id = await DeployAsync(owner, team, await TemplateAsync(owner, team, "Static site"), "legacy");
        var current = await ResourceAsync(NamespaceOf(team), "legacy");
        await Eventually.WaitAsync(async () => await PendingRowsAsync(id) == 0 ? "" : null, "outbox emptied", Patience);

        // The layout an older server left: the UserDeployment in the owner's sandbox-<handle>, reporting a status.
        var old = $"sandbox-{handle}";
        await CreateNamespaceAsync(old);
        await CreateResourceAsync(Copy(current, old, "legacy", ServerLabels(id)));
        var stale = factory.Kube.Get(Ud, "userdeployments", old, "legacy")!;
        factory.Kube.SetStatus(Ud, "userdeployments", old, "legacy", new JsonObject
        {
            ["phase"] = "Failed", ["message"] = "from the old namespace", ["observedGeneration"] = (long)stale["metadata"]!["generation"]!,
            ["observedRevision"] = (long)stale["spec"]!["revision"]!,
        });

        // Migration 0010 gives every deployment without a pending row an apply row (checked in a transaction rolled back,
        // so that the running sync does not take the row meanwhile) ...
        var migration = DatabaseMigrator.Embedded.Single(m => m.Version == "0010");
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var migrate = new NpgsqlCommand(migration.Sql, connection, transaction)) await migrate.ExecuteNonQueryAsync();
            await using var rows = new NpgsqlCommand("SELECT operation, name FROM cluster_outbox WHERE deployment_id = @id", connection, transaction);
            rows.Parameters.AddWithValue("id", Guid.Parse(id));
            await using (var reader = await rows.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                Assert.Equal(("apply", "legacy"), (reader.GetString(0), reader.GetString(1)));
                Assert.False(await reader.ReadAsync());
            }
            await transaction.RollbackAsync();
        }
        // ... and, run for real, the sync applies it in the organization's namespace while the full comparison removes the old one.
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            await using var migrate = new NpgsqlCommand(migration.Sql, connection);
            await migrate.ExecuteNonQueryAsync();
        }
        await Eventually.WaitAsync(() => factory.Kube.Get(Ud, "userdeployments", old, "legacy") is null ? "" : null, "old UserDeployment removed", Patience);
        var moved = await ResourceAsync(NamespaceOf(team), "legacy");
        Assert.Equal(($"{handle}-legacy.apps.test", id), ((string?)moved["spec"]!["host"], (string?)moved["spec"]!["deploymentId"]));
        var template = (string?)factory.Kube.Get("v1", "configmaps", NamespaceOf(team), CustomResources.From<UserDeploymentResource>(moved).Spec!.TemplateRef!.ConfigMapName)?["data"]?["template.yaml"];
        Assert.Equal($"{handle}-legacy.apps.test", UserDeploymentInput.From(moved, UserDeploymentInput.Spec(CustomResources.From<UserDeploymentResource>(moved).Spec!, template), "apps.test").Host);
        await Eventually.WaitAsync(async () => await PendingRowsAsync(id) == 0 ? "" : null, "outbox emptied", Patience);

        // The report of the UserDeployment in the old namespace never spoke for the deployment.
        var details = await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK);
        Assert.NotEqual("Failed", details.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task A_deployment_is_never_put_into_a_namespace_labelled_with_another_organization()
    {
        var owner = factory.As(ApiFactory.NewEmail("squatted"));
        var (org, team) = await OrgAsync(owner, "business");
        var ns = NamespaceOf(team);
        var other = Guid.NewGuid().ToString();
        await CreateAsync("/api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["scheduler.cleanscheduler.io/organization"] = other } },
        });

        var id = await DeployAsync(owner, team, await TemplateAsync(owner, team, "Static site"), "refused");
        await Eventually.WaitAsync(async () => await AttemptsAsync(id) >= 2 ? "" : null, "two publication attempts", Patience);
        Assert.Null(factory.Kube.Get(Ud, "userdeployments", ns, "refused"));
        Assert.Equal(other, (string?)factory.Kube.Get("v1", "namespaces", null, ns)!["metadata"]!["labels"]!["scheduler.cleanscheduler.io/organization"]);
        // The owner sees why, without learning who holds the namespace.
        var shown = await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK);
        Assert.Equal("Failed", shown.GetProperty("phase").GetString());
        Assert.Contains("belongs to another organization", shown.GetProperty("phaseMessage").GetString());
        Assert.DoesNotContain(other, shown.GetRawText());
    }

    [Fact]
    public async Task Deleting_a_deployment_completes_when_part_of_what_it_had_in_the_cluster_is_already_gone()
    {
        var owner = factory.As(ApiFactory.NewEmail("deleter"));
        var (org, team) = await OrgAsync(owner, "business");
        var id = await DeployAsync(owner, team, await TemplateAsync(owner, team, "Static site"), "brief");   // no secrets: no Secret
        await ResourceAsync(NamespaceOf(team), "brief");
        await Eventually.WaitAsync(async () => await PendingRowsAsync(id) == 0 ? "" : null, "outbox emptied", Patience);

        await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{id}"), HttpStatusCode.NoContent);

        // Deleting what is already gone (the Secret it never had, a UserDeployment the full comparison removed) is done, not retried forever.
        await Eventually.WaitAsync(async () => factory.Kube.Get(Ud, "userdeployments", NamespaceOf(team), "brief") is null
            && await PendingRowsAsync(id) == 0 ? "" : null, "UserDeployment deleted and outbox emptied", Patience);
    }

    private async Task<long> AttemptsAsync(string id)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(max(attempts), 0) FROM cluster_outbox WHERE deployment_id = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(id));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<long> PendingRowsAsync(string id)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM cluster_outbox WHERE deployment_id = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(id));
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
