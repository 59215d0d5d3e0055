using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

public sealed class AgentTaskAndWorkflowTests
{
    private static JsonObject NewTask(string name, int? timeoutSeconds = 120) => new()
    {
        ["apiVersion"] = CustomResources.ApiVersion,
        ["kind"] = "AgentTask",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace },
        ["spec"] = new JsonObject
        {
            ["image"] = "busybox:1.36",
            ["command"] = new JsonArray("sh", "-c"),
            ["args"] = new JsonArray("echo hi"),
            ["env"] = new JsonArray(new JsonObject { ["name"] = "MODE", ["value"] = "fast" }),
            ["input"] = new JsonObject { ["repo-url"] = "https://example.test/r.git" },
            ["secretRefs"] = new JsonArray(new JsonObject { ["name"] = "task-secrets", ["keys"] = new JsonArray("API_TOKEN") }),
            ["timeoutSeconds"] = timeoutSeconds,
            ["ttlSecondsAfterFinished"] = 600,
        },
    };

    private static IEnumerable<JsonNode?> Env(JsonObject job) => job["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();

    [Fact]
    public async Task A_task_runs_as_one_Job_and_reports_its_termination_message_as_output()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        var created = await h.Client.CreateAsync(KubeResource.AgentTasks, NewTask("build"));

        var job = await Eventually.WaitAsync(() => h.Job("build"), "Job build");
        Assert.Equal((string?)created["metadata"]!["uid"], (string?)job["metadata"]!["ownerReferences"]![0]!["uid"]);
        Assert.Equal((0, 120, 600), ((int)job["spec"]!["backoffLimit"]!, (int)job["spec"]!["activeDeadlineSeconds"]!, (int)job["spec"]!["ttlSecondsAfterFinished"]!));
        Assert.Equal("Never", (string?)job["spec"]!["template"]!["spec"]!["restartPolicy"]);
        Assert.Contains(Env(job), e => (string?)e!["name"] == "MODE" && (string?)e["value"] == "fast");
        Assert.Contains(Env(job), e => (string?)e!["name"] == "INPUT_REPO_URL" && (string?)e["value"] == "https://example.test/r.git");
        Assert.Contains(Env(job), e => (string?)e!["name"] == "API_TOKEN" && (string?)e["valueFrom"]!["secretKeyRef"]!["name"] == "task-secrets");
        await Eventually.TrueAsync(() => Phase(h.AgentTask("build")) == "Pending" && (string?)h.AgentTask("build")!["status"]!["jobName"] == "build", "Pending with jobName");

        h.JobStarted("build");
        await Eventually.TrueAsync(() => Phase(h.AgentTask("build")) == "Running", "Running");

        h.JobFinished("build", succeeded: true, """{"commit":"abc123","files":3}""");
        var done = await Eventually.WaitAsync(() => Phase(h.AgentTask("build")) == "Succeeded" ? h.AgentTask("build") : null, "Succeeded");
        Assert.Equal("abc123", (string?)done["status"]!["output"]!["commit"]);
        Assert.Equal("3", (string?)done["status"]!["output"]!["files"]);
        Assert.NotNull(done["status"]!["completionTime"]);
    }

    [Fact]
    public async Task Task_pods_are_isolated_before_their_Job_exists_and_run_with_limits_and_the_deployments_securityContext()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        await h.Client.CreateAsync(KubeResource.AgentTasks, NewTask("isolated"));
        var job = await Eventually.WaitAsync(() => h.Job("isolated"), "Job isolated");

        var policy = h.Api.Get("networking.k8s.io/v1", "networkpolicies", Namespace, ManifestRenderer.TaskNetworkPolicyName);
        Assert.NotNull(policy);
        Assert.True(DateTimeOffset.Parse((string)policy["metadata"]!["creationTimestamp"]!) <= DateTimeOffset.Parse((string)job["metadata"]!["creationTimestamp"]!));
        var podLabels = job["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        foreach (var (label, value) in policy["spec"]!["podSelector"]!["matchLabels"]!.AsObject())
            Assert.Equal((string?)value, (string?)podLabels[label]);
        Assert.Equal(["Ingress", "Egress"], policy["spec"]!["policyTypes"]!.AsArray().Select(t => (string?)t));
        Assert.Empty(policy["spec"]!["ingress"]?.AsArray() ?? []);
        var egress = policy["spec"]!["egress"]!.AsArray();
        Assert.Equal(2, egress.Count);   // DNS and the internet: no pod or namespace peer besides the DNS pods
        Assert.Equal([53, 53], egress[0]!["ports"]!.AsArray().Select(p => (int)p!["port"]!));
        var internet = egress[1]!["to"]![0]!["ipBlock"]!;
        Assert.Equal("0.0.0.0/0", (string?)internet["cidr"]);
        Assert.Contains("169.254.0.0/16", internet["except"]!.AsArray().Select(c => (string?)c));
        Assert.Contains("10.0.0.0/8", internet["except"]!.AsArray().Select(c => (string?)c));

        var ns = h.Api.Get("v1", "namespaces", null, Namespace);
        Assert.Equal("baseline", (string?)ns!["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"]);

        var container = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("256Mi", (string?)container["resources"]!["limits"]!["memory"]);
        Assert.Equal("100m", (string?)container["resources"]!["requests"]!["cpu"]);
        Assert.False((bool)container["securityContext"]!["allowPrivilegeEscalation"]!);
        Assert.Equal("ALL", (string?)container["securityContext"]!["capabilities"]!["drop"]![0]);
        Assert.Equal("RuntimeDefault", (string?)container["securityContext"]!["seccompProfile"]!["type"]);
    }

    [Fact]
    public void A_termination_message_naming_a_member_twice_is_no_output_and_does_not_throw()
    {
        Assert.Null(CleanScheduler.Operator.Controllers.AgentTaskController.ParseOutput("""{"a":1,"a":2}"""));
        Assert.Null(CleanScheduler.Operator.Controllers.AgentTaskController.ParseOutput("""{"a":{"b":1,"b":2}}"""));
        Assert.Equal("{\"b\":1}", CleanScheduler.Operator.Controllers.AgentTaskController.ParseOutput("""{"a":{"b":1},"c":"x"}""")!["a"]);
    }

    [Fact]
    public async Task A_failed_Job_fails_the_task_with_the_containers_message_and_a_deadline_is_a_Timeout()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        await h.Client.CreateAsync(KubeResource.AgentTasks, NewTask("broken"));
        await Eventually.WaitAsync(() => h.Job("broken"), "Job broken");
        h.JobFinished("broken", succeeded: false, "fatal: repository not found");
        var failed = await Eventually.WaitAsync(() => Phase(h.AgentTask("broken")) == "Failed" ? h.AgentTask("broken") : null, "Failed");
        Assert.Equal("fatal: repository not found", (string?)failed["status"]!["message"]);

        await h.Client.CreateAsync(KubeResource.AgentTasks, NewTask("deadline"));
        await Eventually.WaitAsync(() => h.Job("deadline"), "Job deadline");
        h.JobFinished("deadline", succeeded: false, null, reason: "DeadlineExceeded");
        await Eventually.TrueAsync(() => Phase(h.AgentTask("deadline")) == "Timeout", "Timeout from the Job's deadline");
    }

    [Fact]
    public async Task A_Job_running_past_timeoutSeconds_is_deleted_and_the_task_times_out()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        await h.Client.CreateAsync(KubeResource.AgentTasks, NewTask("slow", timeoutSeconds: 2));
        await Eventually.WaitAsync(() => h.Job("slow"), "Job slow");
        h.JobStarted("slow");   // and it never finishes (Running is seen only briefly: not waited for, the window is 2 s)

        var timedOut = await Eventually.WaitAsync(() => Phase(h.AgentTask("slow")) == "Timeout" ? h.AgentTask("slow") : null, "Timeout", TimeSpan.FromSeconds(10));
        Assert.Contains("timeoutSeconds=2", (string?)timedOut["status"]!["message"]);
        Assert.Null(h.Job("slow"));
    }

    private static JsonObject Workflow(string name, params (string Step, string Args)[] steps) => new()
    {
        ["apiVersion"] = CustomResources.ApiVersion,
        ["kind"] = "Workflow",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace },
        ["spec"] = new JsonObject
        {
            ["steps"] = new JsonArray(steps.Select(s => (JsonNode?)new JsonObject
            {
                ["name"] = s.Step,
                ["task"] = new JsonObject { ["image"] = "busybox:1.36", ["args"] = new JsonArray(s.Args), ["input"] = new JsonObject { ["from"] = s.Args } },
            }).ToArray()),
        },
    };

    [Fact]
    public async Task A_workflow_runs_steps_in_order_passing_outputs_and_succeeds()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        var wf = await h.Client.CreateAsync(KubeResource.Workflows, Workflow("pipeline",
            ("fetch", "fetch"), ("build", "build ${steps.0.output.commit}"), ("ship", "ship ${steps.build.output.image} of ${steps.fetch.output.commit}")));

        var first = await Eventually.WaitAsync(() => h.AgentTask("pipeline-0"), "step 0 task");
        Assert.Equal((string?)wf["metadata"]!["uid"], (string?)first["metadata"]!["ownerReferences"]![0]!["uid"]);
        Assert.Null(h.AgentTask("pipeline-1"));   // not before step 0 succeeded
        await Eventually.TrueAsync(() => Phase(h.Workflow("pipeline")) == "Running" && (int?)h.Workflow("pipeline")!["status"]!["currentStep"] == 0, "Running at step 0");

        await Eventually.WaitAsync(() => h.Job("pipeline-0"), "Job of step 0");
        h.JobFinished("pipeline-0", succeeded: true, """{"commit":"c0ffee"}""");
        var second = await Eventually.WaitAsync(() => h.AgentTask("pipeline-1"), "step 1 task");
        Assert.Equal("build c0ffee", (string?)second["spec"]!["args"]![0]);
        Assert.Equal("build c0ffee", (string?)second["spec"]!["input"]!["from"]);

        await Eventually.WaitAsync(() => h.Job("pipeline-1"), "Job of step 1");
        h.JobFinished("pipeline-1", succeeded: true, """{"image":"registry.test/app:1"}""");
        var third = await Eventually.WaitAsync(() => h.AgentTask("pipeline-2"), "step 2 task");
        Assert.Equal("ship registry.test/app:1 of c0ffee", (string?)third["spec"]!["args"]![0]);

        await Eventually.WaitAsync(() => h.Job("pipeline-2"), "Job of step 2");
        h.JobFinished("pipeline-2", succeeded: true, "{}");
        var done = await Eventually.WaitAsync(() => Phase(h.Workflow("pipeline")) == "Succeeded" ? h.Workflow("pipeline") : null, "Succeeded");
        Assert.Equal(["Succeeded", "Succeeded", "Succeeded"], done["status"]!["steps"]!.AsArray().Select(s => (string?)s!["phase"]));
        Assert.Equal("c0ffee", (string?)done["status"]!["steps"]![0]!["output"]!["commit"]);
    }

    [Fact]
    public async Task A_failed_step_stops_the_workflow_and_later_steps_never_start()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        await h.Client.CreateAsync(KubeResource.Workflows, Workflow("fragile", ("one", "one"), ("two", "two"), ("three", "three")));
        await Eventually.WaitAsync(() => h.Job("fragile-0"), "Job of step 0");
        h.JobFinished("fragile-0", succeeded: true, "{}");
        await Eventually.WaitAsync(() => h.Job("fragile-1"), "Job of step 1");
        h.JobFinished("fragile-1", succeeded: false, "exit 3: tests failed");

        var failed = await Eventually.WaitAsync(() => Phase(h.Workflow("fragile")) == "Failed" ? h.Workflow("fragile") : null, "Failed");
        Assert.Contains("step 1 (two) failed: exit 3: tests failed", (string?)failed["status"]!["message"]);
        Assert.Equal(["Succeeded", "Failed", "Skipped"], failed["status"]!["steps"]!.AsArray().Select(s => (string?)s!["phase"]));
        await Task.Delay(300);
        Assert.Null(h.AgentTask("fragile-2"));
    }

    [Fact]
    public async Task A_reference_to_a_missing_output_fails_the_step_before_it_runs()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        await h.Client.CreateAsync(KubeResource.Workflows, Workflow("typo", ("one", "one"), ("two", "use ${steps.0.output.nope}")));
        await Eventually.WaitAsync(() => h.Job("typo-0"), "Job of step 0");
        h.JobFinished("typo-0", succeeded: true, """{"yes":"1"}""");

        var failed = await Eventually.WaitAsync(() => Phase(h.Workflow("typo")) == "Failed" ? h.Workflow("typo") : null, "Failed");
        Assert.Contains("has no output 'nope'", (string?)failed["status"]!["message"]);
        Assert.Null(h.AgentTask("typo-1"));
    }

    [Fact]
    public async Task The_hand_written_agenttask_and_workflow_samples_are_served()
    {
        await using var h = await StartAsync();
        h.StartOperator();
        foreach (var file in new[] { "agenttask.yaml", "workflow.yaml" })
            foreach (var document in YamlJson.Documents(await File.ReadAllTextAsync(RepoPaths.Of("k8s", "samples", file))))
                await h.Client.CreateAsync(KubeResource.For((string)document["apiVersion"]!, (string)document["kind"]!), document);

        var job = await Eventually.WaitAsync(() => h.Job("say-hello"), "Job of the AgentTask sample");
        Assert.Equal("busybox:1.36", (string?)job["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        await Eventually.WaitAsync(() => h.Job("greet-twice-0"), "Job of the Workflow sample's first step");
        h.JobFinished("greet-twice-0", succeeded: true, """{"word":"hello"}""");
        var second = await Eventually.WaitAsync(() => h.AgentTask("greet-twice-1"), "the Workflow sample's second step");
        Assert.StartsWith("echo \"hello again\"", (string?)second["spec"]!["args"]![0]);
    }
}
