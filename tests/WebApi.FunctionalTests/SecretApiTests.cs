using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CleanScheduler.Application.Common;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>/api/secrets: the three tiers, their precedence, who may set what, and that a value never comes back out.</summary>
public sealed class SecretApiTests(SecretApiFactory factory) : IClassFixture<SecretApiFactory>
{
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private async Task<(string Org, string Team, Api Owner)> OrgAsync()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        return (org, team, owner);
    }

    private static async Task<string> DeployAsync(Api api, string team, string name, string password = "form-password")
    {
        var template = (await api.ExpectAsync(api.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Web app + PostgreSQL").GetProperty("id").GetString()!;
        var values = new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = password };
        return (await api.ExpectAsync(api.PostAsync("/api/deployments", new { teamId = team, name, templateId = template, values }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
    }

    private static Task<HttpResponseMessage> Set(Api api, string org, string? deployment, string? service, string key, string value) =>
        api.PutAsync("/api/secrets", new { organizationId = org, deploymentId = deployment, service, key, value });

    private static async Task<Dictionary<(string Service, string Key), string>> EffectiveAsync(Api api, string deployment) =>
        (await api.ExpectAsync(api.GetAsync($"/api/deployments/{deployment}/secrets/effective"), HttpStatusCode.OK)).EnumerateArray()
            .ToDictionary(e => (e.GetProperty("service").GetString()!, e.GetProperty("key").GetString()!), e => e.GetProperty("tier").GetString()!);

    [Theory]
    [InlineData("service", "service")]
    [InlineData("deployment", "deployment")]
    [InlineData("organization", "organization")]
    [InlineData("deployment,service", "deployment")]
    [InlineData("organization,service", "organization")]
    [InlineData("organization,deployment", "organization")]
    [InlineData("organization,deployment,service", "organization")]
    public async Task The_higher_tier_wins_a_key_set_at_several_tiers(string tiers, string winner)
    {
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "prec");
        foreach (var tier in tiers.Split(','))
            await owner.ExpectAsync(tier switch
            {
                "organization" => Set(owner, org, null, null, "API_KEY", "from-org"),
                "deployment" => Set(owner, org, deployment, null, "API_KEY", "from-deployment"),
                _ => Set(owner, org, deployment, "app", "API_KEY", "from-service"),
            }, HttpStatusCode.OK);

        var effective = await EffectiveAsync(owner, deployment);

        Assert.Equal(winner, effective[("app", "API_KEY")]);
        // A service secret reaches its service only; the other tiers reach every service.
        Assert.Equal(tiers == "service" ? null : winner, effective.GetValueOrDefault(("db", "API_KEY")));
        Assert.Equal("deployment", effective[("db", "POSTGRES_PASSWORD")]);   // the deploy form's secret setting is a deployment secret
    }

    [Fact]
    public async Task Listing_shows_keys_tier_time_and_who_but_never_a_value_and_delete_removes_the_key()
    {
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "lister");
        await owner.ExpectAsync(Set(owner, org, null, null, "SHARED", "v1"), HttpStatusCode.OK);
        await owner.ExpectAsync(Set(owner, org, deployment, "db", "DB_ONLY", "v2"), HttpStatusCode.OK);
        var replaced = await owner.ExpectAsync(Set(owner, org, null, null, "SHARED", "v3"), HttpStatusCode.OK);

        var orgKeys = await owner.ExpectAsync(owner.GetAsync($"/api/secrets?organizationId={org}"), HttpStatusCode.OK);
        var deploymentKeys = await owner.ExpectAsync(owner.GetAsync($"/api/secrets?organizationId={org}&deploymentId={deployment}&service=db"), HttpStatusCode.OK);

        var shared = Assert.Single(orgKeys.EnumerateArray());
        Assert.Equal(("SHARED", "organization", owner.Email), (shared.GetProperty("key").GetString(), shared.GetProperty("tier").GetString(), shared.GetProperty("updatedBy").GetString()));
        Assert.Equal(replaced.GetProperty("updatedAt").GetDateTimeOffset(), shared.GetProperty("updatedAt").GetDateTimeOffset());
        var dbOnly = Assert.Single(deploymentKeys.EnumerateArray());
        Assert.Equal(("DB_ONLY", "service", "db"), (dbOnly.GetProperty("key").GetString(), dbOnly.GetProperty("tier").GetString(), dbOnly.GetProperty("service").GetString()));
        Assert.DoesNotContain("v1", orgKeys.ToString() + deploymentKeys + replaced);
        Assert.False(shared.TryGetProperty("value", out _));

        await owner.ExpectAsync(owner.DeleteAsync($"/api/secrets?organizationId={org}&key=SHARED"), HttpStatusCode.NoContent);
        Assert.Empty((await owner.ExpectAsync(owner.GetAsync($"/api/secrets?organizationId={org}"), HttpStatusCode.OK)).EnumerateArray());
        await ProblemAsync(owner.DeleteAsync($"/api/secrets?organizationId={org}&key=SHARED"), HttpStatusCode.NotFound, "secret.not_found");
    }

    [Fact]
    public async Task Owners_and_admins_set_organization_secrets_developers_set_deployment_and_service_secrets_viewers_only_list()
    {
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "roles");
        var admin = await factory.SignedUpAsync("admin");
        var developer = await factory.SignedUpAsync("dev");
        var viewer = await factory.SignedUpAsync("viewer");
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/members", new { email = admin.Email, role = "org_admin" }), HttpStatusCode.Created);
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = developer.Email, role = "developer" }), HttpStatusCode.Created);
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);
        var (otherOrg, otherTeam, stranger) = await OrgAsync();

        await owner.ExpectAsync(Set(owner, org, null, null, "BY_OWNER", "x"), HttpStatusCode.OK);
        await admin.ExpectAsync(Set(admin, org, null, null, "BY_ADMIN", "x"), HttpStatusCode.OK);
        await ProblemAsync(Set(developer, org, null, null, "BY_DEV", "x"), HttpStatusCode.Forbidden, "permission.denied");
        await developer.ExpectAsync(Set(developer, org, deployment, null, "DEV_DEPLOYMENT", "x"), HttpStatusCode.OK);
        await developer.ExpectAsync(Set(developer, org, deployment, "app", "DEV_SERVICE", "x"), HttpStatusCode.OK);
        await ProblemAsync(Set(viewer, org, deployment, null, "BY_VIEWER", "x"), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.DeleteAsync($"/api/secrets?organizationId={org}&deploymentId={deployment}&key=DEV_DEPLOYMENT"), HttpStatusCode.Forbidden, "permission.denied");
        Assert.Equal(2, (await viewer.ExpectAsync(viewer.GetAsync($"/api/secrets?organizationId={org}&deploymentId={deployment}"), HttpStatusCode.OK)).GetArrayLength());
        Assert.Equal(2, (await viewer.ExpectAsync(viewer.GetAsync($"/api/secrets?organizationId={org}"), HttpStatusCode.OK)).GetArrayLength());
        Assert.Contains(("app", "DEV_SERVICE"), (await EffectiveAsync(viewer, deployment)).Keys);

        // Another organization's resources do not exist for the caller, whatever the body says.
        await ProblemAsync(Set(stranger, org, null, null, "X", "x"), HttpStatusCode.NotFound);
        await ProblemAsync(Set(stranger, org, deployment, null, "X", "x"), HttpStatusCode.NotFound);
        await ProblemAsync(Set(stranger, otherOrg, deployment, null, "X", "x"), HttpStatusCode.NotFound, "deployment.not_found");
        await ProblemAsync(stranger.GetAsync($"/api/secrets?organizationId={org}"), HttpStatusCode.NotFound);
        await ProblemAsync(stranger.GetAsync($"/api/deployments/{deployment}/secrets/effective"), HttpStatusCode.NotFound);
        await ProblemAsync(owner.GetAsync($"/api/secrets?organizationId={otherOrg}"), HttpStatusCode.NotFound);
        _ = otherTeam;
    }

    [Fact]
    public async Task Deleting_a_deployment_removes_its_and_its_services_values_from_the_backend_and_leaves_the_organizations()
    {
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "gone");
        await owner.ExpectAsync(Set(owner, org, null, null, "KEEP", "x"), HttpStatusCode.OK);
        await owner.ExpectAsync(Set(owner, org, deployment, null, "DEP", "x"), HttpStatusCode.OK);
        await owner.ExpectAsync(Set(owner, org, deployment, "db", "SVC", "x"), HttpStatusCode.OK);
        var store = factory.Services.GetRequiredService<ISecretValueStore>();
        var (o, d) = (Guid.Parse(org), Guid.Parse(deployment));

        await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{deployment}"), HttpStatusCode.NoContent);

        Assert.Empty(await store.ReadAsync(SecretScope.ForDeployment(o, d), default));
        Assert.Empty(await store.ReadAsync(SecretScope.ForService(o, d, "db"), default));
        Assert.Equal(["KEEP"], (await store.ReadAsync(SecretScope.ForOrganization(o), default)).Keys);
        Assert.Equal(["KEEP"], (await owner.ExpectAsync(owner.GetAsync($"/api/secrets?organizationId={org}"), HttpStatusCode.OK)).EnumerateArray().Select(k => k.GetProperty("key").GetString()));
    }

    [Fact]
    public async Task Keys_values_and_services_are_checked()
    {
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "checks");

        await ValidationProblemAsync(Set(owner, org, null, null, "1BAD", "x"), "key");
        await ValidationProblemAsync(Set(owner, org, null, null, "BAD-KEY", "x"), "key");
        await ValidationProblemAsync(Set(owner, org, null, null, "FOO\n", "x"), "key");   // "$" would let the newline through to the database's CHECK
        await ValidationProblemAsync(Set(owner, org, null, null, new string('K', 257), "x"), "key");
        await ValidationProblemAsync(Set(owner, org, null, null, "BIG", new string('é', 32 * 1024 + 1)), "value");
        await ValidationProblemAsync(Set(owner, org, deployment, "nosuch", "KEY", "x"), "service");
        await ValidationProblemAsync(Set(owner, org, null, "app", "KEY", "x"), "service");
        await ValidationProblemAsync(owner.PutAsync("/api/secrets", new { key = "KEY", value = "x" }), "organizationId");
        await ValidationProblemAsync(owner.GetAsync("/api/secrets"), "organizationId");
        await owner.ExpectAsync(Set(owner, org, null, null, "MAX", new string('v', 64 * 1024)), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_scope_holds_at_most_100_keys_and_racing_sets_cannot_pass_the_cap()
    {
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "many");
        for (var i = 0; i < 99; i++)
            await owner.ExpectAsync(Set(owner, org, deployment, "app", $"K{i}", "x"), HttpStatusCode.OK);

        var racing = await Task.WhenAll(Enumerable.Range(0, 5).Select(async i =>
        {
            using var response = await Set(owner, org, deployment, "app", $"RACE{i}", "x");
            return response.StatusCode;
        }));

        Assert.Single(racing, s => s == HttpStatusCode.OK);
        Assert.Equal(4, racing.Count(s => s == HttpStatusCode.Conflict));
        var refused = await ProblemAsync(Set(owner, org, deployment, "app", "ONE_MORE", "x"), HttpStatusCode.Conflict, "secret.limit");
        Assert.Contains("100", refused.GetProperty("detail").GetString());
        await owner.ExpectAsync(Set(owner, org, deployment, "app", "K0", "replaced"), HttpStatusCode.OK);   // replacing a key is no new key
        await owner.ExpectAsync(Set(owner, org, deployment, "db", "ONE_MORE", "x"), HttpStatusCode.OK);     // another scope has its own 100
        var store = factory.Services.GetRequiredService<ISecretValueStore>();
        Assert.Equal(100, (await store.ReadAsync(SecretScope.ForService(Guid.Parse(org), Guid.Parse(deployment), "app"), default)).Count);
    }

    [Fact]
    public async Task A_set_that_makes_a_services_effective_set_larger_than_512_KiB_is_refused_at_every_tier()
    {
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "big");
        var value = new string('v', 64 * 1024);   // 8 of them and their keys are just over 512 KiB
        for (var i = 0; i < 4; i++) await owner.ExpectAsync(Set(owner, org, deployment, null, $"DEP{i}", value), HttpStatusCode.OK);
        for (var i = 0; i < 3; i++) await owner.ExpectAsync(Set(owner, org, deployment, "app", $"SVC{i}", value), HttpStatusCode.OK);
        await owner.ExpectAsync(Set(owner, org, deployment, "db", "SVC0", value), HttpStatusCode.OK);   // db: 5 x 64 KiB

        var refused = await ProblemAsync(Set(owner, org, deployment, "app", "SVC3", value), HttpStatusCode.Conflict, "secret.limit");
        Assert.Contains("'app'", refused.GetProperty("detail").GetString());
        await ProblemAsync(Set(owner, org, null, null, "ORG", value), HttpStatusCode.Conflict, "secret.limit");        // reaches app too
        await owner.ExpectAsync(Set(owner, org, deployment, "db", "SVC1", value), HttpStatusCode.OK);                 // db still has room
        await owner.ExpectAsync(Set(owner, org, deployment, "app", "SVC0", "small"), HttpStatusCode.OK);              // shrinking makes room
        await owner.ExpectAsync(Set(owner, org, deployment, "app", "SVC3", value), HttpStatusCode.OK);

        var store = factory.Services.GetRequiredService<ISecretValueStore>();
        Assert.False((await store.ReadAsync(SecretScope.ForOrganization(Guid.Parse(org)), default)).ContainsKey("ORG"));   // a refused value is never written
    }

    [Fact]
    public async Task A_set_whose_save_fails_leaves_the_backend_value_as_it_was()
    {
        var (org, _, owner) = await OrgAsync();
        await owner.ExpectAsync(Set(owner, org, null, null, "SAVE_FAILS_OLD", "before"), HttpStatusCode.OK);
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using (var inject = new NpgsqlCommand("""
            CREATE FUNCTION fail_secret_save() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.key LIKE 'SAVE_FAILS_%' THEN RAISE EXCEPTION 'injected save failure'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER fail_secret_save BEFORE INSERT OR UPDATE ON secrets FOR EACH ROW EXECUTE FUNCTION fail_secret_save();
            """, connection))
            await inject.ExecuteNonQueryAsync();
        try
        {
            using var replaced = await Set(owner, org, null, null, "SAVE_FAILS_OLD", "after");
            using var created = await Set(owner, org, null, null, "SAVE_FAILS_NEW", "after");
            Assert.Equal(HttpStatusCode.InternalServerError, replaced.StatusCode);
            Assert.Equal(HttpStatusCode.InternalServerError, created.StatusCode);
        }
        finally
        {
            await using var drop = new NpgsqlCommand("DROP TRIGGER fail_secret_save ON secrets; DROP FUNCTION fail_secret_save();", connection);
            await drop.ExecuteNonQueryAsync();
        }

        var values = await factory.Services.GetRequiredService<ISecretValueStore>().ReadAsync(SecretScope.ForOrganization(Guid.Parse(org)), default);
        Assert.Equal("before", values["SAVE_FAILS_OLD"]);
        Assert.False(values.ContainsKey("SAVE_FAILS_NEW"));
    }

    [Fact]
    public async Task A_planted_value_appears_in_no_answer_log_line_audit_entry_manifest_error_or_database_dump()
    {
        const string Planted = "PLANTED-7f3a9c51e2-value";
        var (org, team, owner) = await OrgAsync();
        var deployment = await DeployAsync(owner, team, "planted", password: Planted + "-form");
        var answers = new List<string>();
        async Task Capture(Task<HttpResponseMessage> call)
        {
            using var response = await call;
            answers.Add($"{(int)response.StatusCode} {response.Headers} {await response.Content.ReadAsStringAsync()}");
        }

        await Capture(Set(owner, org, null, null, "ORG_KEY", Planted + "-org"));
        await Capture(Set(owner, org, deployment, null, "DEP_KEY", Planted + "-deployment"));
        await Capture(Set(owner, org, deployment, "app", "SVC_KEY", Planted + "-service"));
        await Capture(Set(owner, org, deployment, "app", "SVC_KEY", Planted + "-replaced"));
        await Capture(Set(owner, org, deployment, "nosuch", "SVC_KEY", Planted + "-error"));          // refused: service
        await Capture(Set(owner, org, null, null, "BAD KEY", Planted + "-error"));                      // refused: key
        await Capture(Set(owner, org, null, null, "BIG", Planted + new string('x', 64 * 1024)));        // refused: size
        await Capture(owner.SendRawAsync(HttpMethod.Put, "/api/secrets", $$$"""{"organizationId":"{{{org}}}","key":"K","value":{"{{{Planted}}}":1}}"""));   // malformed
        await Capture(owner.GetAsync($"/api/secrets?organizationId={org}"));
        await Capture(owner.GetAsync($"/api/secrets?organizationId={org}&deploymentId={deployment}"));
        await Capture(owner.GetAsync($"/api/deployments/{deployment}/secrets/effective"));
        await Capture(owner.GetAsync($"/api/deployments/{deployment}"));
        await Capture(owner.GetAsync($"/api/deployments/{deployment}/manifests?download=true"));
        await Capture(owner.GetAsync($"/api/orgs/{org}/audit?pageSize=100"));
        await Capture(owner.DeleteAsync($"/api/secrets?organizationId={org}&deploymentId={deployment}&key=DEP_KEY"));

        Assert.All(answers, a => Assert.DoesNotContain("PLANTED", a));
        Assert.Contains(answers, a => a.Contains("secret.set") && a.Contains("SVC_KEY"));   // the audit log has the change, by key
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("PLANTED"));
        Assert.NotEmpty(factory.Logs.Lines);   // the capture works: the server logged these requests
        var dump = await PgDumpAsync(factory.ConnectionString);
        Assert.Contains("ORG_KEY", dump);       // the dump is real: it holds the keys...
        Assert.DoesNotContain("PLANTED", dump); // ...and no value in plaintext
    }

    private static async Task<string> PgDumpAsync(string connectionString)
    {
        var dsn = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(Directory.GetFiles("/usr/lib/postgresql", "pg_dump", SearchOption.AllDirectories).Order().LastOrDefault() ?? "pg_dump")
        {
            ArgumentList = { "-h", dsn.Host!, "-p", dsn.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", dsn.Username!, "--data-only", dsn.Database! },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (dsn.Password is { } password) start.Environment["PGPASSWORD"] = password;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_dump failed: {error}");
        return await output;
    }
}

/// <summary>The server in DEV_MODE with every log line (debug and above) kept, for the planted-value test.</summary>
public sealed class SecretApiFactory : ApiFactory
{
    public LogCapture Logs { get; } = new(Microsoft.Extensions.Logging.LogLevel.Debug);

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["LOG_LEVEL"] = "debug";
            return settings;
        }
    }

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(services, Logs));
    }
}
