using System.Net;
using System.Text.Json;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class DeploymentApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private async Task<(string Org, string Team, Api Owner)> OrgAsync(string plan = "free")
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        if (plan != "free") await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan }), HttpStatusCode.OK);
        return (org, team, owner);
    }

    private static async Task<string> SystemTemplateAsync(Api api, string team, string name) =>
        (await api.ExpectAsync(api.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;

    /// <summary>Values as a dictionary: setting names are sent exactly as written (an anonymous object would be camel-cased).</summary>
    private static Task<HttpResponseMessage> Deploy(Api api, string team, string template, string name, Dictionary<string, string?>? values = null) =>
        api.PostAsync("/api/deployments", new { teamId = team, name, templateId = template, values = values ?? [] });

    private static Dictionary<string, string?> V(params (string Name, string? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    [Fact]
    public async Task Deploying_answers_201_with_id_state_and_url()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var handle = (await owner.ExpectAsync(owner.GetAsync("/api/me"), HttpStatusCode.OK)).GetProperty("user").GetProperty("handle").GetString();

        using var response = await Deploy(owner, team, template, "site", V(("PAGE_TITLE", "Hi")));
        var deployment = await owner.ExpectAsync(Task.FromResult(response), HttpStatusCode.Created);

        Assert.Equal($"/api/deployments/{deployment.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        Assert.Equal(("running", "Pending"), (deployment.GetProperty("state").GetString(), deployment.GetProperty("phase").GetString()));
        Assert.Equal($"https://{handle}-site.example.com", deployment.GetProperty("url").GetString());
        Assert.Equal("Hi", deployment.GetProperty("values").GetProperty("PAGE_TITLE").GetString());
    }

    [Fact]
    public async Task Free_allows_one_deployment_business_five()
    {
        var (org, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        await owner.ExpectAsync(Deploy(owner, team, template, "first"), HttpStatusCode.Created);

        var refused = await ProblemAsync(Deploy(owner, team, template, "second"), HttpStatusCode.Conflict, "tier.deployment_limit");
        Assert.Contains("1 deployment", refused.GetProperty("detail").GetString());

        await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        for (var i = 2; i <= 5; i++) await owner.ExpectAsync(Deploy(owner, team, template, $"app{i}"), HttpStatusCode.Created);
        await ProblemAsync(Deploy(owner, team, template, "sixth"), HttpStatusCode.Conflict, "tier.deployment_limit");

        var usage = await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/usage"), HttpStatusCode.OK);
        Assert.Equal((5, 5), (usage.GetProperty("deployments").GetProperty("used").GetInt32(), usage.GetProperty("deployments").GetProperty("limit").GetInt32()));
    }

    [Fact]
    public async Task Fifty_simultaneous_requests_on_a_fresh_free_org_create_exactly_one_deployment()
    {
        var (org, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await Deploy(owner, team, template, $"race{i}");
            var body = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, body);
        }));

        Assert.Single(statuses, s => s.Item1 == 201);
        Assert.All(statuses.Where(s => s.Item1 != 201), s =>
        {
            Assert.Equal(409, s.Item1);
            Assert.Contains("\"code\":\"tier.deployment_limit\"", s.body);
        });
        var list = await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.OK);
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(1, (await owner.ExpectAsync(owner.GetAsync($"/api/orgs/{org}/usage"), HttpStatusCode.OK)).GetProperty("deployments").GetProperty("used").GetInt32());
    }

    [Fact]
    public async Task Deleting_frees_a_slot()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "one"), HttpStatusCode.Created)).GetProperty("id").GetString();

        await owner.ExpectAsync(owner.DeleteAsync($"/api/deployments/{id}"), HttpStatusCode.NoContent);

        await ProblemAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.NotFound, "deployment.not_found");
        await owner.ExpectAsync(Deploy(owner, team, template, "two"), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_viewer_lists_and_reads_deployments_but_cannot_create_stop_or_delete()
    {
        var (_, team, owner) = await OrgAsync("business");
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "web"), HttpStatusCode.Created)).GetProperty("id").GetString();
        var viewer = await factory.SignedUpAsync("viewer");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);

        var list = await viewer.ExpectAsync(viewer.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.OK);
        Assert.Equal("web", Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        await viewer.ExpectAsync(viewer.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK);
        using (var manifests = await viewer.GetAsync($"/api/deployments/{id}/manifests")) Assert.Equal(HttpStatusCode.OK, manifests.StatusCode);

        await ProblemAsync(Deploy(viewer, team, template, "mine"), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.Http.PostAsync($"/api/deployments/{id}/stop", null), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.DeleteAsync($"/api/deployments/{id}"), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.PutAsync($"/api/deployments/{id}/values", new { values = new { } }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_list_answers_each_caller_as_their_roles_say_with_rows_without_rows_and_past_the_last_page()
    {
        var (org, team, owner) = await OrgAsync("business");
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var emptyTeam = (await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Empty" }), HttpStatusCode.Created))
            .GetProperty("id").GetString();
        await owner.ExpectAsync(Deploy(owner, team, template, "web"), HttpStatusCode.Created);
        var viewer = await factory.SignedUpAsync("viewer");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);
        var orgMember = await factory.SignedUpAsync("member");
        await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/members", new { email = orgMember.Email, role = "org_member" }), HttpStatusCode.Created);
        var stranger = factory.As(ApiFactory.NewEmail("stranger"));
        await stranger.CreateOrgAsync();

        string[] queries = [$"teamId={team}", $"teamId={team}&state=stopped", $"teamId={team}&page=2&pageSize=1", $"teamId={emptyTeam}"];
        foreach (var query in queries)
        {
            await ProblemAsync(stranger.GetAsync($"/api/deployments?{query}"), HttpStatusCode.NotFound, "team.not_found");
            var denied = await ProblemAsync(orgMember.GetAsync($"/api/deployments?{query}"), HttpStatusCode.Forbidden, "permission.denied");
            Assert.Contains("deploy:read", denied.GetProperty("detail").GetString());
        }
        var all = await viewer.ExpectAsync(viewer.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.OK);
        Assert.Equal(("web", "Static site", 1), (Assert.Single(all.GetProperty("items").EnumerateArray()).GetProperty("name").GetString(),
            all.GetProperty("items")[0].GetProperty("templateName").GetString(), all.GetProperty("total").GetInt32()));
        var none = await viewer.ExpectAsync(viewer.GetAsync($"/api/deployments?teamId={team}&state=stopped"), HttpStatusCode.OK);
        Assert.Equal((0, 0), (none.GetProperty("items").GetArrayLength(), none.GetProperty("total").GetInt32()));
        var past = await viewer.ExpectAsync(viewer.GetAsync($"/api/deployments?teamId={team}&page=2&pageSize=1"), HttpStatusCode.OK);
        Assert.Equal((0, 1, 2), (past.GetProperty("items").GetArrayLength(), past.GetProperty("total").GetInt32(), past.GetProperty("page").GetInt32()));
        var empty = await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={emptyTeam}"), HttpStatusCode.OK);
        Assert.Equal((0, 0), (empty.GetProperty("items").GetArrayLength(), empty.GetProperty("total").GetInt32()));
        await ProblemAsync(viewer.GetAsync($"/api/deployments?teamId={emptyTeam}"), HttpStatusCode.Forbidden, "permission.denied");
    }

    [Theory]
    [InlineData(2)]    // bounds as parameters
    [InlineData(50)]   // the first page at the default size: bounds written into the SQL
    public async Task Pages_hold_the_rows_of_their_place_in_name_order(int pageSize)
    {
        var (_, team, owner) = await OrgAsync("business");
        var template = await SystemTemplateAsync(owner, team, "Static site");
        foreach (var name in new[] { "c", "a", "b" }) await owner.ExpectAsync(Deploy(owner, team, template, name), HttpStatusCode.Created);

        async Task<(string[] Names, int Total)> Page(int page)
        {
            var body = await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}&page={page}&pageSize={pageSize}"), HttpStatusCode.OK);
            return (body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToArray(), body.GetProperty("total").GetInt32());
        }

        if (pageSize == 2)
        {
            var (first, second) = (await Page(1), await Page(2));
            Assert.Equal(["a", "b"], first.Names);
            Assert.Equal(["c"], second.Names);
            Assert.Equal((3, 3), (first.Total, second.Total));
        }
        else
        {
            var only = await Page(1);
            Assert.Equal(["a", "b", "c"], only.Names);
            Assert.Equal(3, only.Total);
        }
    }

    [Fact]
    public async Task Each_row_of_the_list_says_what_its_deployment_says()
    {
        // The list reads its rows with its own statement (state as "is it stopped", the URL made by PostgreSQL, each
        // template's name read once per page): every row must match the deployment's own answer, with two templates
        // interleaved in name order and one deployment stopped.
        var (_, team, owner) = await OrgAsync("business");
        var site = await SystemTemplateAsync(owner, team, "Static site");
        var cache = await SystemTemplateAsync(owner, team, "Web app + Redis cache");
        string[] names = ["a-site", "b-cache", "c-site", "d-cache"];
        var ids = new List<string>();
        foreach (var name in names)
            ids.Add((await owner.ExpectAsync(Deploy(owner, team, name.EndsWith("site") ? site : cache, name), HttpStatusCode.Created)).GetProperty("id").GetString()!);
        await owner.ExpectAsync(owner.Http.PostAsync($"/api/deployments/{ids[1]}/stop", null), HttpStatusCode.OK);

        var page = await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.OK);

        var rows = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(names, rows.Select(r => r.GetProperty("name").GetString()));
        foreach (var row in rows)
        {
            var one = await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{row.GetProperty("id").GetString()}"), HttpStatusCode.OK);
            foreach (var field in new[] { "teamId", "state", "phase", "url", "templateId", "templateName", "templateVersion", "createdBy", "createdAt", "updatedAt" })
                Assert.Equal(one.GetProperty(field).ToString(), row.GetProperty(field).ToString());
        }
        Assert.Equal(["running", "stopped", "running", "running"], rows.Select(r => r.GetProperty("state").GetString()));
        Assert.Equal(["Static site", "Web app + Redis cache", "Static site", "Web app + Redis cache"], rows.Select(r => r.GetProperty("templateName").GetString()));
        Assert.All(rows, r => Assert.StartsWith("https://", r.GetProperty("url").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_and_start_change_the_state_and_the_rendered_replicas()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "toggle"), HttpStatusCode.Created)).GetProperty("id").GetString();

        var stopped = await owner.ExpectAsync(owner.Http.PostAsync($"/api/deployments/{id}/stop", null), HttpStatusCode.OK);
        Assert.Equal(("stopped", "Stopped"), (stopped.GetProperty("state").GetString(), stopped.GetProperty("phase").GetString()));
        Assert.Contains("replicas: 0", await owner.Http.GetStringAsync($"/api/deployments/{id}/manifests"));
        var filtered = await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}&state=stopped"), HttpStatusCode.OK);
        Assert.Equal(1, filtered.GetProperty("total").GetInt32());

        var started = await owner.ExpectAsync(owner.Http.PostAsync($"/api/deployments/{id}/start", null), HttpStatusCode.OK);
        Assert.Equal(("running", "Pending"), (started.GetProperty("state").GetString(), started.GetProperty("phase").GetString()));
        Assert.Contains("replicas: 1", await owner.Http.GetStringAsync($"/api/deployments/{id}/manifests"));
        Assert.Equal(0, (await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}&state=stopped"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Values_are_checked_against_the_templates_settings()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Web app + PostgreSQL");

        await ValidationProblemAsync(Deploy(owner, team, template, "db"), "values.POSTGRES_PASSWORD");
        await ValidationProblemAsync(Deploy(owner, team, template, "db", V(("POSTGRES_PASSWORD", "x"), ("NOT_A_SETTING", "1"))), "values.NOT_A_SETTING");
        await ValidationProblemAsync(Deploy(owner, team, template, "db", V(("POSTGRES_PASSWORD", new string('x', 5000)))), "values.POSTGRES_PASSWORD");
        await ValidationProblemAsync(owner.SendRawAsync(HttpMethod.Post, "/api/deployments",
            $$$"""{"teamId":"{{{team}}}","name":"db","templateId":"{{{template}}}","values":{"POSTGRES_PASSWORD":42}}"""), "values.POSTGRES_PASSWORD");
        await ValidationProblemAsync(Deploy(owner, team, template, "Bad Name", V(("POSTGRES_PASSWORD", "x"))), "name");
        await ValidationProblemAsync(Deploy(owner, team, template, new string('a', 41), V(("POSTGRES_PASSWORD", "x"))), "name");
        await ValidationProblemAsync(owner.PostAsync("/api/deployments", new { teamId = team, name = "x" }), "templateId");
        await ProblemAsync(Deploy(owner, team, Guid.NewGuid().ToString(), "ghost"), HttpStatusCode.NotFound, "template.not_found");
    }

    [Fact]
    public async Task Secret_values_are_never_returned_not_even_in_the_manifests_of_the_owner()
    {
        var (_, team, owner) = await OrgAsync("business");
        var template = await SystemTemplateAsync(owner, team, "Web app + PostgreSQL");
        var created = await owner.ExpectAsync(Deploy(owner, team, template, "vault", V(("POSTGRES_PASSWORD", "hunter2-very-secret"))), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString();
        var viewer = await factory.SignedUpAsync("viewer");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);

        Assert.DoesNotContain("hunter2", created.ToString());
        Assert.Equal(["POSTGRES_PASSWORD"], created.GetProperty("secretsSet").EnumerateArray().Select(s => s.GetString()));
        Assert.DoesNotContain("hunter2", (await owner.ExpectAsync(owner.GetAsync($"/api/deployments?teamId={team}"), HttpStatusCode.OK)).ToString());
        var forOwner = await owner.Http.GetStringAsync($"/api/deployments/{id}/manifests");
        Assert.DoesNotContain("hunter2", forOwner);
        Assert.Contains("\"vault.db.secrets\"", forOwner);   // the key is read from the service's Secret, which the cluster gets, not the download
        Assert.DoesNotContain("hunter2", await viewer.Http.GetStringAsync($"/api/deployments/{id}/manifests"));
    }

    [Fact]
    public async Task Changing_values_redeploys_keeps_secrets_left_out_and_requires_them_when_removed()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Web app + PostgreSQL");
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "shop", V(("POSTGRES_PASSWORD", "first"))), HttpStatusCode.Created)).GetProperty("id").GetString();

        var updated = await owner.ExpectAsync(owner.PutAsync($"/api/deployments/{id}/values", new { values = V(("POSTGRES_DB", "orders")) }), HttpStatusCode.OK);

        Assert.Equal("orders", updated.GetProperty("values").GetProperty("POSTGRES_DB").GetString());
        Assert.Equal(["POSTGRES_PASSWORD"], updated.GetProperty("secretsSet").EnumerateArray().Select(s => s.GetString()));
        var manifests = await owner.Http.GetStringAsync($"/api/deployments/{id}/manifests");
        Assert.DoesNotContain("\"first\"", manifests);   // secret values are write-only (docs/secrets.md)
        Assert.Contains("\"orders\"", manifests);
        await ValidationProblemAsync(owner.SendRawAsync(HttpMethod.Put, $"/api/deployments/{id}/values", """{"values":{"POSTGRES_PASSWORD":null}}"""), "values.POSTGRES_PASSWORD");
        await ProblemAsync(owner.PutAsync($"/api/deployments/{id}/values", new { values = new { }, templateVersion = 7 }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Names_are_unique_per_team_and_the_list_needs_a_team()
    {
        var (_, team, owner) = await OrgAsync("business");
        var template = await SystemTemplateAsync(owner, team, "Static site");
        await owner.ExpectAsync(Deploy(owner, team, template, "same"), HttpStatusCode.Created);

        await ProblemAsync(Deploy(owner, team, template, "same"), HttpStatusCode.Conflict, "deployment.name_taken");
        await ValidationProblemAsync(owner.GetAsync("/api/deployments"), "teamId");
        await ValidationProblemAsync(owner.GetAsync($"/api/deployments?teamId={team}&state=sleeping"), "state");
    }

    [Fact]
    public async Task Manifests_download_as_a_yaml_file()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "files"), HttpStatusCode.Created)).GetProperty("id").GetString();

        using var response = await owner.GetAsync($"/api/deployments/{id}/manifests?download=true");

        Assert.Equal("application/yaml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("files.yaml", response.Content.Headers.ContentDisposition?.FileName?.Trim('"') ?? ContentDispositionFileName(response));
        var yaml = await response.Content.ReadAsStringAsync();
        Assert.Equal(8, yaml.Split("---\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("kind: \"Ingress\"", yaml);
    }

    private static string? ContentDispositionFileName(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Content-Disposition", out var values) ? values.First().Split("filename=")[1].Trim('"') : null;

    [Fact]
    public async Task Teams_and_organizations_with_deployments_are_not_deleted_from_under_them()
    {
        var (org, team, owner) = await OrgAsync("business");
        var other = (await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Busy" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var template = await SystemTemplateAsync(owner, team, "Static site");
        await owner.ExpectAsync(Deploy(owner, other, template, "busy"), HttpStatusCode.Created);

        await ProblemAsync(owner.DeleteAsync($"/api/teams/{other}"), HttpStatusCode.Conflict, "team.has_deployments");
        await ProblemAsync(owner.DeleteAsync($"/api/orgs/{org}"), HttpStatusCode.Conflict, "org.has_deployments");
    }

    [Fact]
    public async Task Logs_and_metrics_without_a_cluster_answer_503_cluster_disabled()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "nologs"), HttpStatusCode.Created)).GetProperty("id").GetString();

        var problem = await ProblemAsync(owner.GetAsync($"/api/deployments/{id}/logs"), HttpStatusCode.ServiceUnavailable, "cluster.disabled");
        Assert.Contains("KUBERNETES_ENABLED", problem.GetProperty("detail").GetString());
        problem = await ProblemAsync(owner.GetAsync($"/api/deployments/{id}/metrics"), HttpStatusCode.ServiceUnavailable, "cluster.disabled");
        Assert.Contains("KUBERNETES_ENABLED", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("text/event-stream")]   // what EventSource and the web UI's log reader send
    [InlineData("text/html")]
    public async Task A_refusal_is_a_problem_with_its_real_status_whatever_the_client_accepts(string accept)
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "streamer"), HttpStatusCode.Created)).GetProperty("id").GetString();
        Task<HttpResponseMessage> Get(string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd(accept);
            return owner.Http.SendAsync(request);
        }

        await ProblemAsync(Get($"/api/deployments/{id}/logs"), HttpStatusCode.ServiceUnavailable, "cluster.disabled");
        await ProblemAsync(Get($"/api/deployments/{Guid.NewGuid()}/logs"), HttpStatusCode.NotFound);
        await ProblemAsync(Get($"/api/deployments/{id}/logs?tailLines=-1"), HttpStatusCode.BadRequest, "validation.failed");
        await ProblemAsync(Get("/api/nothing-here"), HttpStatusCode.NotFound, "route.not_found");
    }

    /// <summary>A template whose one config file is nothing but {{X}}: harmless with a short X, 53 MB with a 4,096-character one.</summary>
    private static readonly string AmplifyingSpec =
        "services:\n  - name: web\n    image: nginx:1.27\n    env:\n      - { name: X }\n    configFiles:\n      - path: /etc/app.conf\n        content: \""
        + string.Concat(Enumerable.Repeat("{{X}}", 13_000)) + "\"\n";

    [Fact]
    public async Task Values_that_would_render_past_the_limits_are_refused_with_422_at_create_and_reconfigure_and_a_stored_one_answers_422()
    {
        var (_, team, owner) = await OrgAsync("business");
        var template = (await owner.ExpectAsync(owner.PostAsync("/api/templates",
            new { teamId = team, name = "Amplifier", visibility = "team", spec = AmplifyingSpec, description = "x" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var huge = new string('v', 4096);

        var refused = await ProblemAsync(Deploy(owner, team, template, "amp", V(("X", huge))), (HttpStatusCode)422, "render.file_too_large");
        Assert.Contains("256 KiB", refused.GetProperty("errors").GetProperty("values")[0].GetString());
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "amp", V(("X", "short"))), HttpStatusCode.Created)).GetProperty("id").GetString();
        await ProblemAsync(owner.PutAsync($"/api/deployments/{id}/values", new { values = V(("X", huge)) }), (HttpStatusCode)422, "render.file_too_large");
        Assert.Contains("shortshort", await owner.Http.GetStringAsync($"/api/deployments/{id}/manifests"));   // the refused change was not stored

        await using (var connection = new Npgsql.NpgsqlConnection(factory.ConnectionString))   // as stored before the limits existed
        {
            await connection.OpenAsync();
            await using var update = new Npgsql.NpgsqlCommand("UPDATE deployments SET \"values\" = jsonb_build_object('X', repeat('v', 4096)) WHERE id = @id", connection);
            update.Parameters.AddWithValue("id", Guid.Parse(id!));
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }
        var problem = await ProblemAsync(owner.GetAsync($"/api/deployments/{id}/manifests"), (HttpStatusCode)422, "render.file_too_large");
        Assert.Contains("services[0].configFiles[0].content", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Hostile_values_download_as_yaml_that_reads_back_as_exactly_those_values()
    {
        var (_, team, owner) = await OrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        const string hostile = "title\u2028      securityContext:\u2028        privileged: true\n---\nkind: Pod\u0085hostPID: true # \"'\\ on";
        var id = (await owner.ExpectAsync(Deploy(owner, team, template, "hostile", V(("PAGE_TITLE", hostile))), HttpStatusCode.Created)).GetProperty("id").GetString();

        var yaml = await owner.Http.GetStringAsync($"/api/deployments/{id}/manifests");

        Assert.DoesNotContain(yaml, c => c is '\u2028' or '\u0085');
        var objects = CleanScheduler.Kubernetes.YamlJson.Documents(yaml).ToList();
        Assert.Equal(8, objects.Count);
        var container = objects.Single(o => (string?)o["kind"] == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(hostile, (string?)container["env"]!.AsArray().Single(e => (string?)e!["name"] == "PAGE_TITLE")!["value"]);
        Assert.False((bool)container["securityContext"]!["privileged"]!);
    }
}
