using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>/api/tasks and /api/workflows without a cluster: validation, tenancy, roles and the plan's limit.</summary>
public sealed class TaskApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly Api _admin = factory.As(ApiFactory.PlatformAdmin);

    private async Task<(string Org, string Team, Api Owner)> OrgAsync(string plan = "free")
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        if (plan != "free") await _admin.ExpectAsync(_admin.PutAsync($"/api/orgs/{org}/plan", new { plan }), HttpStatusCode.OK);
        return (org, team, owner);
    }

    private static Task<HttpResponseMessage> StartTask(Api api, string team, object? overrides = null) =>
        api.PostAsync("/api/tasks", overrides ?? new
        {
            teamId = team, image = "busybox:1.36", command = new[] { "sh", "-c", "echo hi" },
            input = new Dictionary<string, string> { ["repo-url"] = "https://example.test/r.git" }, timeoutSeconds = 120,
        });

    [Fact]
    public async Task Starting_a_task_answers_201_with_its_spec_and_phase_Pending_and_lists_it()
    {
        var (_, team, owner) = await OrgAsync();

        var task = await owner.ExpectAsync(StartTask(owner, team), HttpStatusCode.Created);

        Assert.Equal("Pending", task.GetProperty("phase").GetString());
        Assert.Equal("busybox:1.36", task.GetProperty("spec").GetProperty("image").GetString());
        Assert.Equal(["sh", "-c", "echo hi"], task.GetProperty("spec").GetProperty("command").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("https://example.test/r.git", task.GetProperty("spec").GetProperty("input").GetProperty("repo-url").GetString());
        Assert.Equal(120, task.GetProperty("spec").GetProperty("timeoutSeconds").GetInt32());
        var id = task.GetProperty("id").GetString();
        var list = await owner.ExpectAsync(owner.GetAsync($"/api/tasks?teamId={team}"), HttpStatusCode.OK);
        var listed = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal((id, "Pending"), (listed.GetProperty("id").GetString(), listed.GetProperty("phase").GetString()));
        Assert.False(listed.TryGetProperty("spec", out _), "a list leaves the spec to GET by id");
        Assert.Empty((await owner.ExpectAsync(owner.GetAsync($"/api/workflows?teamId={team}"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        await ProblemAsync(owner.GetAsync($"/api/workflows/{id}"), HttpStatusCode.NotFound, "workflow.not_found");   // a task is not a workflow
    }

    [Fact]
    public async Task A_workflow_list_gives_each_steps_name_and_phase_and_leaves_what_it_runs_to_GET_by_id()
    {
        var (_, team, owner) = await OrgAsync();
        var big = new string('x', 8000);
        var created = await owner.ExpectAsync(owner.PostAsync("/api/workflows", new
        {
            teamId = team,
            steps = new object[]
            {
                new { name = "one", task = new { image = "busybox:1.36", input = new Dictionary<string, string> { ["big"] = big } } },
                new { name = "two", task = new { image = "busybox:1.36", command = new[] { "${steps.one.output.x}" } } },
            },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;

        var listed = Assert.Single((await owner.ExpectAsync(owner.GetAsync($"/api/workflows?teamId={team}"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        var one = await owner.ExpectAsync(owner.GetAsync($"/api/workflows/{id}"), HttpStatusCode.OK);

        Assert.Equal([("one", "Pending"), ("two", "Pending")], listed.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("name").GetString(), s.GetProperty("phase").GetString())));
        Assert.All(listed.GetProperty("steps").EnumerateArray(), s => Assert.False(s.TryGetProperty("task", out _), "a list leaves the steps' specs to GET by id"));
        Assert.DoesNotContain(big, listed.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(big, one.GetProperty("steps")[0].GetProperty("task").GetProperty("input").GetProperty("big").GetString());
    }

    [Fact]
    public async Task Twenty_simultaneous_starts_on_a_free_org_leave_exactly_one_unfinished_task_and_a_cancel_frees_the_slot()
    {
        var (_, team, owner) = await OrgAsync();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await StartTask(owner, team);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }));

        var created = Assert.Single(statuses, s => s.Item1 == 201);
        Assert.All(statuses.Where(s => s.Item1 != 201), s =>
        {
            Assert.Equal(409, s.Item1);
            Assert.Contains("\"code\":\"tier.task_limit\"", s.Item2);
        });
        Assert.Equal(1, (await owner.ExpectAsync(owner.GetAsync($"/api/tasks?teamId={team}"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
        await ProblemAsync(owner.PostAsync("/api/workflows", new { teamId = team, steps = new[] { new { name = "one", task = new { image = "busybox" } } } }),
            HttpStatusCode.Conflict, "tier.task_limit");   // workflows count too

        var id = JsonDocument.Parse(created.Item2).RootElement.GetProperty("id").GetString();
        var cancelled = await owner.ExpectAsync(owner.PostAsync($"/api/tasks/{id}/cancel", new { }), HttpStatusCode.OK);
        Assert.Equal("Cancelled", cancelled.GetProperty("phase").GetString());
        await ProblemAsync(owner.PostAsync($"/api/tasks/{id}/cancel", new { }), HttpStatusCode.Conflict, "task.finished");
        await owner.ExpectAsync(StartTask(owner, team), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Teams_and_organizations_with_unfinished_tasks_are_not_deleted_and_a_cancel_lets_them_go()
    {
        var (org, _, owner) = await OrgAsync("business");
        var other = (await owner.ExpectAsync(owner.PostAsync($"/api/orgs/{org}/teams", new { name = "Runners" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var task = await owner.ExpectAsync(StartTask(owner, other), HttpStatusCode.Created);

        await ProblemAsync(owner.DeleteAsync($"/api/teams/{other}"), HttpStatusCode.Conflict, "team.has_tasks");
        await ProblemAsync(owner.DeleteAsync($"/api/orgs/{org}"), HttpStatusCode.Conflict, "org.has_tasks");
        Assert.Equal("Pending", (await owner.ExpectAsync(owner.GetAsync($"/api/tasks/{task.GetProperty("id").GetString()}"), HttpStatusCode.OK)).GetProperty("phase").GetString());

        await owner.ExpectAsync(owner.PostAsync($"/api/tasks/{task.GetProperty("id").GetString()}/cancel", new { }), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/teams/{other}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/orgs/{org}")).StatusCode);
    }

    [Fact]
    public async Task Another_tenant_gets_404_for_a_task_a_workflow_and_the_team_list()
    {
        var (_, team, owner) = await OrgAsync();
        var task = (await owner.ExpectAsync(StartTask(owner, team), HttpStatusCode.Created)).GetProperty("id").GetString();
        var (_, otherTeam, other) = await OrgAsync("business");
        var workflow = (await other.ExpectAsync(other.PostAsync("/api/workflows",
            new { teamId = otherTeam, steps = new[] { new { name = "one", task = new { image = "busybox" } } } }), HttpStatusCode.Created)).GetProperty("id").GetString();

        await ProblemAsync(other.GetAsync($"/api/tasks/{task}"), HttpStatusCode.NotFound, "task.not_found");
        await ProblemAsync(other.PostAsync($"/api/tasks/{task}/cancel", new { }), HttpStatusCode.NotFound, "task.not_found");
        await ProblemAsync(other.GetAsync($"/api/tasks?teamId={team}"), HttpStatusCode.NotFound);
        await ProblemAsync(StartTask(other, team), HttpStatusCode.NotFound);
        await ProblemAsync(owner.GetAsync($"/api/workflows/{workflow}"), HttpStatusCode.NotFound, "workflow.not_found");
        await ProblemAsync(owner.PostAsync($"/api/workflows/{workflow}/cancel", new { }), HttpStatusCode.NotFound, "workflow.not_found");
        Assert.Equal("Pending", (await owner.ExpectAsync(owner.GetAsync($"/api/tasks/{task}"), HttpStatusCode.OK)).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task A_viewer_reads_tasks_but_cannot_start_or_cancel_them()
    {
        var (_, team, owner) = await OrgAsync("business");
        var id = (await owner.ExpectAsync(StartTask(owner, team), HttpStatusCode.Created)).GetProperty("id").GetString();
        var viewer = await factory.SignedUpAsync("viewer");
        await owner.ExpectAsync(owner.PostAsync($"/api/teams/{team}/members", new { email = viewer.Email, role = "viewer" }), HttpStatusCode.Created);

        await viewer.ExpectAsync(viewer.GetAsync($"/api/tasks/{id}"), HttpStatusCode.OK);
        await viewer.ExpectAsync(viewer.GetAsync($"/api/tasks?teamId={team}"), HttpStatusCode.OK);
        await ProblemAsync(StartTask(viewer, team), HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.PostAsync("/api/workflows", new { teamId = team, steps = new[] { new { name = "one", task = new { image = "busybox" } } } }),
            HttpStatusCode.Forbidden, "permission.denied");
        await ProblemAsync(viewer.PostAsync($"/api/tasks/{id}/cancel", new { }), HttpStatusCode.Forbidden, "permission.denied");
    }

    public static TheoryData<string, string> HostileTasks => new()
    {
        { """{"image":"Not An Image!"}""", "task.Image" },
        { """{"image":"busybox; rm -rf /"}""", "task.Image" },
        { $$"""{"image":"{{new string('a', 300)}}"}""", "task.Image" },
        { """{"image":"busybox","timeoutSeconds":0}""", "task.TimeoutSeconds" },
        { """{"image":"busybox","timeoutSeconds":86401}""", "task.TimeoutSeconds" },
        { $$"""{"image":"busybox","command":[{{string.Join(',', Enumerable.Repeat("\"x\"", 65))}}]}""", "task.Command" },
        { """{"image":"busybox","command":["a\u0000b"]}""", "task.Command[0]" },
        { """{"image":"busybox","command":[null]}""", "task.Command[0]" },
        { $$"""{"image":"busybox","command":["{{new string('x', 4097)}}"]}""", "task.Command[0]" },
        { """{"image":"busybox","input":{"1bad":"x"}}""", "task.Input[0]" },
        { """{"image":"busybox","input":{"ok":null}}""", "task.Input[0]" },
        { "{\"image\":\"busybox\",\"input\":{\"big\":\"" + new string('x', 8193) + "\"}}", "task.Input[0]" },
        { """{"image":"busybox","input":{"a":"x","A":"y"}}""", "task.Input" },
        { """{"image":"busybox","input":{"a.b":"x","a_b":"y"}}""", "task.Input" },
        { """{"image":"busybox","input":{"a-b":"x","A.B":"y"}}""", "task.Input" },
        { "{\"image\":\"busybox\",\"input\":{" + string.Join(',', Enumerable.Range(0, 33).Select(i => $"\"k{i}\":\"v\"")) + "}}", "task.Input" },
    };

    [Theory, MemberData(nameof(HostileTasks))]
    public async Task Hostile_task_input_is_refused_with_a_validation_problem(string fields, string field)
    {
        var (_, team, owner) = await OrgAsync();
        var body = JsonNode.Parse(fields)!.AsObject();
        body["teamId"] = team;

        var problem = await ProblemAsync(owner.SendRawAsync(HttpMethod.Post, "/api/tasks", body.ToJsonString()), HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)),
            $"no error for '{field}': {problem}");
        Assert.Equal(0, (await owner.ExpectAsync(owner.GetAsync($"/api/tasks?teamId={team}"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("""{"steps":[]}""", "Steps")]
    [InlineData("""{"steps":[{"name":"Bad Name","task":{"image":"busybox"}}]}""", "Steps[0].Name")]
    [InlineData("""{"steps":[{"name":"a","task":{"image":"busybox"}},{"name":"a","task":{"image":"busybox"}}]}""", "Steps")]
    [InlineData("""{"steps":[{"name":"a"}]}""", "Steps[0].Task")]
    [InlineData("""{"steps":[null]}""", "Steps[0]")]
    [InlineData("""{"steps":[{"name":"a","task":{"image":"busybox","timeoutSeconds":5}}]}""", "Steps[0].Task.TimeoutSeconds")]
    [InlineData("""{"steps":[{"name":"a","task":{"image":"busybox","command":["${steps.0.output.x}"]}}]}""", "Steps[0].Task.Command[0]")]
    [InlineData("""{"steps":[{"name":"a","task":{"image":"busybox","command":["${steps.b.output.x}"]}},{"name":"b","task":{"image":"busybox"}}]}""", "Steps[0].Task.Command[0]")]
    [InlineData("""{"steps":[{"name":"a","task":{"image":"busybox"}},{"name":"b","task":{"image":"busybox","input":{"k":"v","x":"${steps.2.output.x}"}}}]}""", "Steps[1].Task.Input[1]")]
    [InlineData("""{"steps":[{"name":"a","task":{"image":"busybox"}},{"name":"b","task":{"image":"busybox","command":["ok ${steps.a.output.x}","${steps.nope.output.x}"]}}]}""", "Steps[1].Task.Command[1]")]
    public async Task Hostile_workflows_are_refused_with_a_validation_problem(string fields, string field)
    {
        var (_, team, owner) = await OrgAsync();
        var body = JsonNode.Parse(fields)!.AsObject();
        body["teamId"] = team;

        var problem = await ProblemAsync(owner.SendRawAsync(HttpMethod.Post, "/api/workflows", body.ToJsonString()), HttpStatusCode.BadRequest, "validation.failed");

        Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)),
            $"no error for '{field}': {problem}");
    }
}

/// <summary>
/// The whole path with a cluster: the API stores a task or workflow, the server's sync writes the AgentTask or Workflow
/// into the team's namespace, the built operator runs it as Jobs, the Jobs end (FakeJobs stands in for the Job
/// controller and the kubelet) and the status with the outputs comes back through GET.
/// </summary>
public sealed class TaskClusterTests(ClusterApiFactory factory) : IClassFixture<ClusterApiFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private OperatorProcess? _operator;

    public Task InitializeAsync()
    {
        _operator = OperatorProcess.Start(factory.KubeconfigPath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _operator?.Dispose();
        return Task.CompletedTask;
    }

    private async Task<(Api Owner, string Team)> BusinessOrgAsync()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        var admin = factory.As(ApiFactory.PlatformAdmin);
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        return (owner, team);
    }

    private async Task<JsonObject> JobAsync(string ns, string name) =>
        await Eventually.WaitAsync(() => factory.Kube.Get("batch/v1", "jobs", ns, name), $"Job {ns}/{name} (operator log: {_operator?.Log})", Patience);

    private static async Task<JsonElement> WhenAsync(Api api, string path, Func<JsonElement, bool> done, string what)
    {
        var text = await Eventually.WaitAsync(async () =>
        {
            var body = await api.ExpectAsync(api.GetAsync(path), HttpStatusCode.OK);
            return done(body) ? body.GetRawText() : null;
        }, what, Patience);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_task_started_through_the_API_runs_in_the_teams_namespace_and_its_output_comes_back()
    {
        var (owner, team) = await BusinessOrgAsync();
        var ns = $"sandbox-{team}";
        var task = await owner.ExpectAsync(owner.PostAsync("/api/tasks", new
        {
            teamId = team, image = "busybox:1.36", command = new[] { "sh", "-c", "build" }, input = new Dictionary<string, string> { ["ref"] = "main" }, timeoutSeconds = 300,
        }), HttpStatusCode.Created);
        var (id, name) = (task.GetProperty("id").GetString()!, task.GetProperty("name").GetString()!);

        var resource = await Eventually.WaitAsync(() => factory.Kube.Get("scheduler.cleanscheduler.io/v1alpha1", "agenttasks", ns, name), "AgentTask", Patience);
        Assert.Equal(id, (string?)resource["metadata"]!["labels"]!["scheduler.cleanscheduler.io/task-id"]);
        Assert.Equal("main", (string?)resource["spec"]!["input"]!["ref"]);
        Assert.Equal(300, (int?)resource["spec"]!["timeoutSeconds"]);
        var job = await JobAsync(ns, name);
        Assert.Equal(["sh", "-c", "build"], job["spec"]!["template"]!["spec"]!["containers"]![0]!["command"]!.AsArray().Select(c => (string?)c));
        FakeJobs.Started(factory.Kube, ns, name);
        await WhenAsync(owner, $"/api/tasks/{id}", t => t.GetProperty("phase").GetString() == "Running", "phase Running");
        FakeJobs.Finished(factory.Kube, ns, name, succeeded: true, """{"commit":"abc123","files":3}""");

        var done = await WhenAsync(owner, $"/api/tasks/{id}", t => t.GetProperty("phase").GetString() == "Succeeded", "phase Succeeded");
        Assert.Equal("abc123", done.GetProperty("output").GetProperty("commit").GetString());
        Assert.Equal("3", done.GetProperty("output").GetProperty("files").GetString());
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("finishedAt").ValueKind);

        // Finished and stored: the AgentTask leaves the cluster (its Job with it); the task keeps its result.
        await Eventually.WaitAsync(() => factory.Kube.Get("scheduler.cleanscheduler.io/v1alpha1", "agenttasks", ns, name) is null ? "" : null, "finished AgentTask deleted", Patience);
        var kept = await owner.ExpectAsync(owner.GetAsync($"/api/tasks/{id}"), HttpStatusCode.OK);
        Assert.Equal(("Succeeded", "abc123"), (kept.GetProperty("phase").GetString(), kept.GetProperty("output").GetProperty("commit").GetString()));
    }

    [Fact]
    public async Task A_workflow_runs_its_steps_in_order_with_outputs_substituted_and_reports_each_step()
    {
        var (owner, team) = await BusinessOrgAsync();
        var ns = $"sandbox-{team}";
        var workflow = await owner.ExpectAsync(owner.PostAsync("/api/workflows", new
        {
            teamId = team,
            steps = new object[]
            {
                new { name = "fetch", task = new { image = "busybox:1.36", command = new[] { "fetch" } } },
                new { name = "build", task = new { image = "busybox:1.36", command = new[] { "build", "${steps.fetch.output.commit}" },
                    input = new Dictionary<string, string> { ["commit"] = "${steps.0.output.commit}" } } },
            },
        }), HttpStatusCode.Created);
        var (id, name) = (workflow.GetProperty("id").GetString()!, workflow.GetProperty("name").GetString()!);

        await JobAsync(ns, $"{name}-0");
        Assert.Null(factory.Kube.Get("scheduler.cleanscheduler.io/v1alpha1", "agenttasks", ns, $"{name}-1"));   // not before step 0 succeeded
        FakeJobs.Finished(factory.Kube, ns, $"{name}-0", succeeded: true, """{"commit":"c0ffee"}""");
        var second = await Eventually.WaitAsync(() => factory.Kube.Get("scheduler.cleanscheduler.io/v1alpha1", "agenttasks", ns, $"{name}-1"), "step 1", Patience);
        Assert.Equal(["build", "c0ffee"], second["spec"]!["command"]!.AsArray().Select(c => (string?)c));
        Assert.Equal("c0ffee", (string?)second["spec"]!["input"]!["commit"]);
        var running = await WhenAsync(owner, $"/api/workflows/{id}", w => w.GetProperty("steps")[0].GetProperty("phase").GetString() == "Succeeded", "step 0 Succeeded");
        Assert.Equal("c0ffee", running.GetProperty("steps")[0].GetProperty("output").GetProperty("commit").GetString());

        await JobAsync(ns, $"{name}-1");
        FakeJobs.Finished(factory.Kube, ns, $"{name}-1", succeeded: true, """{"image":"registry.test/app:1"}""");
        var done = await WhenAsync(owner, $"/api/workflows/{id}", w => w.GetProperty("phase").GetString() == "Succeeded", "phase Succeeded");
        Assert.Equal(["Succeeded", "Succeeded"], done.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("phase").GetString()));
        Assert.Equal("registry.test/app:1", done.GetProperty("steps")[1].GetProperty("output").GetProperty("image").GetString());
        await Eventually.WaitAsync(() => factory.Kube.Get("scheduler.cleanscheduler.io/v1alpha1", "workflows", ns, name) is null ? "" : null, "finished Workflow deleted", Patience);
        var kept = await owner.ExpectAsync(owner.GetAsync($"/api/workflows/{id}"), HttpStatusCode.OK);
        Assert.Equal("c0ffee", kept.GetProperty("steps")[0].GetProperty("output").GetProperty("commit").GetString());
    }

    [Fact]
    public async Task Cancelling_a_running_task_deletes_its_AgentTask_and_a_later_report_does_not_revive_it()
    {
        var (owner, team) = await BusinessOrgAsync();
        var ns = $"sandbox-{team}";
        var task = await owner.ExpectAsync(owner.PostAsync("/api/tasks", new { teamId = team, image = "busybox:1.36" }), HttpStatusCode.Created);
        var (id, name) = (task.GetProperty("id").GetString()!, task.GetProperty("name").GetString()!);
        await JobAsync(ns, name);
        FakeJobs.Started(factory.Kube, ns, name);
        await WhenAsync(owner, $"/api/tasks/{id}", t => t.GetProperty("phase").GetString() == "Running", "phase Running");

        var cancelled = await owner.ExpectAsync(owner.PostAsync($"/api/tasks/{id}/cancel", new { }), HttpStatusCode.OK);

        Assert.Equal("Cancelled", cancelled.GetProperty("phase").GetString());
        await Eventually.WaitAsync(() => factory.Kube.Get("scheduler.cleanscheduler.io/v1alpha1", "agenttasks", ns, name) is null ? "" : null, "AgentTask deleted", Patience);
        await Task.Delay(1000);   // the sync and the watch had their chance
        Assert.Equal("Cancelled", (await owner.ExpectAsync(owner.GetAsync($"/api/tasks/{id}"), HttpStatusCode.OK)).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task A_resource_of_another_name_or_namespace_carrying_a_tasks_label_does_not_speak_for_it()
    {
        var (owner, team) = await BusinessOrgAsync();
        var (_, otherTeam) = await BusinessOrgAsync();
        var task = await owner.ExpectAsync(owner.PostAsync("/api/tasks", new { teamId = team, image = "busybox:1.36" }), HttpStatusCode.Created);
        var (id, name) = (task.GetProperty("id").GetString()!, task.GetProperty("name").GetString()!);
        await JobAsync($"sandbox-{team}", name);
        using var kube = KubeClient.For(factory.Kube.Address);

        await kube.CreateAsync(CleanScheduler.Kubernetes.KubeResource.Namespaces, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = $"sandbox-{otherTeam}" },
        });
        foreach (var (ns, forged) in new[] { ($"sandbox-{otherTeam}", name), ($"sandbox-{team}", "task-forged") })
        {
            await kube.CreateAsync(CleanScheduler.Kubernetes.KubeResource.AgentTasks, new JsonObject
            {
                ["apiVersion"] = "scheduler.cleanscheduler.io/v1alpha1", ["kind"] = "AgentTask",
                ["metadata"] = new JsonObject
                {
                    ["name"] = forged, ["namespace"] = ns,
                    ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "cleanscheduler-server", ["scheduler.cleanscheduler.io/task-id"] = id },
                },
                ["spec"] = new JsonObject { ["image"] = "busybox:1.36" },
            });
            factory.Kube.SetStatus("scheduler.cleanscheduler.io/v1alpha1", "agenttasks", ns, forged,
                new JsonObject { ["phase"] = "Succeeded", ["output"] = new JsonObject { ["forged"] = "yes" } });
        }
        await Task.Delay(1500);   // the watch delivered both

        var stored = await owner.ExpectAsync(owner.GetAsync($"/api/tasks/{id}"), HttpStatusCode.OK);
        Assert.NotEqual("Succeeded", stored.GetProperty("phase").GetString());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("output").ValueKind);
    }
}
