using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

public sealed class UserDeploymentControllerTests : IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static readonly string[] OwnedPlurals = ["networkpolicies", "deployments", "services", "ingresses"];

    [Fact]
    public async Task A_new_resource_gets_every_owned_object_with_owner_references_and_runs_once_its_deployments_are_ready()
    {
        _h.StartOperator();
        var created = await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        var uid = (string)created["metadata"]!["uid"]!;

        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Provisioning" ? "" : null, "phase Provisioning");
        foreach (var (apiVersion, plural, name) in new[]
                 {
                     ("apps/v1", "deployments", "shop-web"), ("apps/v1", "deployments", "shop-db"), ("v1", "services", "shop-web"),
                     ("v1", "services", "shop-db"), ("networking.k8s.io/v1", "ingresses", "shop"), ("networking.k8s.io/v1", "networkpolicies", "shop-isolation"),
                 })
        {
            var obj = _h.Api.Get(apiVersion, plural, Namespace, name) ?? throw new Xunit.Sdk.XunitException($"{plural}/{name} missing");
            var owner = obj["metadata"]!["ownerReferences"]![0]!;
            Assert.Equal(uid, (string?)owner["uid"]);
            Assert.Equal("UserDeployment", (string?)owner["kind"]);
            Assert.True((bool?)owner["controller"]);
        }
        Assert.NotNull(_h.Api.Get("v1", "resourcequotas", Namespace, "cleanscheduler-quota"));
        var resource = _h.Resource("shop")!;
        Assert.Null(resource["metadata"]!["finalizers"]);   // what it owns goes with it by garbage collection
        Assert.Equal("False", Condition(resource, "Ready"));
        Assert.Equal("True", Condition(resource, "Progressing"));

        foreach (var name in new[] { "shop-web", "shop-db" }) ReportReady(name, 1);
        var running = await Eventually.WaitAsync(() => _h.Resource("shop") is { } r && Phase(r) == "Running" ? r : null, "phase Running");
        Assert.Equal("True", Condition(running, "Ready"));
        Assert.Equal("False", Condition(running, "Degraded"));
        Assert.Equal("https://alice-shop.apps.test", (string?)running["status"]!["urls"]![0]);
        Assert.Equal(1L, (long?)running["status"]!["observedGeneration"]);
        Assert.False(running["status"]!.AsObject().ContainsKey("observedRevision"));   // hand-written: no spec.revision, none echoed
        Assert.Equal(1, (int?)running["status"]!["services"]![0]!["readyReplicas"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)running["status"]!["conditions"]![0]!["lastTransitionTime"]);
    }

    [Fact]
    public async Task The_status_echoes_the_revision_of_the_spec_it_describes()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        var resource = UserDeployment("shop");
        resource["spec"]!["revision"] = 7;
        await _h.Client.CreateAsync(KubeResource.UserDeployments, resource);
        var running = await Eventually.WaitAsync(() => _h.Resource("shop") is { } r && Phase(r) == "Running" ? r : null, "phase Running");
        Assert.Equal((7L, 1L), ((long?)running["status"]!["observedRevision"], (long?)running["status"]!["observedGeneration"]));

        await _h.Client.MergePatchAsync(KubeResource.UserDeployments, Namespace, "shop",
            new JsonObject { ["spec"] = new JsonObject { ["desiredState"] = "stopped", ["revision"] = 8 } });
        var stopped = await Eventually.WaitAsync(() => _h.Resource("shop") is { } r && Phase(r) == "Stopped" ? r : null, "phase Stopped");
        Assert.Equal((8L, 2L), ((long?)stopped["status"]!["observedRevision"], (long?)stopped["status"]!["observedGeneration"]));

        // A spec that loses its revision (edited by hand) gets a status without one, not the old number.
        await _h.Client.MergePatchAsync(KubeResource.UserDeployments, Namespace, "shop",
            new JsonObject { ["spec"] = new JsonObject { ["desiredState"] = "running", ["revision"] = null } });
        var edited = await Eventually.WaitAsync(() => _h.Resource("shop") is { } r && (long?)r["status"]?["observedGeneration"] == 3 ? r : null, "observedGeneration 3");
        Assert.False(edited["status"]!.AsObject().ContainsKey("observedRevision"));
    }

    [Fact]
    public async Task A_spec_edit_updates_the_owned_objects_and_observed_generation_follows()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Running" ? "" : null, "phase Running");

        var edit = UserDeployment("shop", replicas: 3, image: "nginx:1.28-alpine");
        await _h.Client.MergePatchAsync(KubeResource.UserDeployments, Namespace, "shop", new JsonObject { ["spec"] = edit["spec"]!.DeepClone() });

        var web = await Eventually.WaitAsync(() => _h.Deployment("shop-web") is { } d && (int?)d["spec"]!["replicas"] == 3 ? d : null, "3 replicas");
        Assert.Equal("nginx:1.28-alpine", (string?)web["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        var resource = await Eventually.WaitAsync(() => _h.Resource("shop") is { } r && (long?)r["status"]?["observedGeneration"] == 2 && Phase(r) == "Running" ? r : null, "observedGeneration 2");
        Assert.Equal(2L, (long?)resource["metadata"]!["generation"]);
        Assert.Equal(3, (int?)resource["status"]!["services"]![0]!["desiredReplicas"]);
    }

    [Fact]
    public async Task Stopping_scales_every_service_to_zero_and_keeps_the_rest()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Running" ? "" : null, "phase Running");

        await _h.Client.MergePatchAsync(KubeResource.UserDeployments, Namespace, "shop", new JsonObject { ["spec"] = new JsonObject { ["desiredState"] = "stopped" } });

        var stopped = await Eventually.WaitAsync(() => _h.Resource("shop") is { } r && Phase(r) == "Stopped" ? r : null, "phase Stopped");
        Assert.Equal(0, (int?)_h.Deployment("shop-web")!["spec"]!["replicas"]);
        Assert.Equal(0, (int?)_h.Deployment("shop-db")!["spec"]!["replicas"]);
        Assert.NotNull(_h.Api.Get("v1", "services", Namespace, "shop-web"));
        Assert.NotNull(_h.Api.Get("networking.k8s.io/v1", "ingresses", Namespace, "shop"));
        Assert.Empty(stopped["status"]!["urls"]!.AsArray());
    }

    [Fact]
    public async Task Deleting_removes_the_resource_at_once_and_the_owned_objects_go_with_it_by_garbage_collection()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Running" ? "" : null, "phase Running");

        await _h.Client.DeleteAsync(KubeResource.UserDeployments, Namespace, "shop");

        Assert.Null(_h.Resource("shop"));   // no finalizer holds it
        foreach (var plural in OwnedPlurals)
            Assert.Empty(_h.Api.List(plural is "deployments" ? "apps/v1" : plural == "services" ? "v1" : "networking.k8s.io/v1", plural, Namespace));
    }

    [Fact]
    public async Task A_resource_with_the_finalizer_of_an_earlier_operator_is_cleaned_up_and_released_when_deleted()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        var resource = UserDeployment("shop");
        resource["metadata"]!["finalizers"] = new JsonArray(CustomResources.Finalizer);
        await _h.Client.CreateAsync(KubeResource.UserDeployments, resource);
        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Running" ? "" : null, "phase Running");

        var kept = await _h.Client.DeleteAsync(KubeResource.UserDeployments, Namespace, "shop");
        Assert.NotNull(kept?["metadata"]?["deletionTimestamp"]); // the finalizer holds it until the operator has cleaned up

        await Eventually.TrueAsync(() => _h.Resource("shop") is null, "the resource to be gone");
        foreach (var plural in OwnedPlurals)
            Assert.Empty(_h.Api.List(plural is "deployments" ? "apps/v1" : plural == "services" ? "v1" : "networking.k8s.io/v1", plural, Namespace));
        Assert.Contains(_h.Api.Requests, r => r.StartsWith("DELETE /apis/apps/v1/namespaces/sandbox-alice/deployments/shop-web", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Desired_state_deleted_removes_the_owned_objects_and_the_resource()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Running" ? "" : null, "phase Running");

        await _h.Client.MergePatchAsync(KubeResource.UserDeployments, Namespace, "shop", new JsonObject { ["spec"] = new JsonObject { ["desiredState"] = "deleted" } });

        await Eventually.TrueAsync(() => _h.Resource("shop") is null && _h.Deployment("shop-web") is null, "resource and deployments gone");
    }

    [Fact]
    public async Task A_second_reconcile_with_nothing_changed_sends_no_request_at_all()
    {
        _h.Api.AutoReadyDeployments = true;
        var (runtime, metrics, _) = _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Running" ? "" : null, "phase Running");
        await Eventually.TrueAsync(() => runtime.Controller!.Queue.Depth == 0, "an idle queue");
        await Task.Delay(200);
        _h.Api.ClearRequests();
        var before = metrics.Total("userdeployment");

        await runtime.Controller!.ReconcileAsync($"{Namespace}/shop", CancellationToken.None);
        runtime.Controller.Queue.Add($"{Namespace}/shop"); // and once more through the queue, as a resync does
        await Eventually.TrueAsync(() => metrics.Total("userdeployment") > before, "the queued reconcile");

        var sent = _h.Api.Requests.Where(r => !r.Contains("watch=1", StringComparison.Ordinal)).ToList();
        Assert.True(sent.Count == 0, "requests sent: " + string.Join(", ", sent));
    }

    [Fact]
    public async Task A_watch_that_expires_with_410_is_listed_again_and_the_controller_carries_on()
    {
        _h.Api.AutoReadyDeployments = true;
        var (runtime, _, _) = _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("first"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("first")) == "Running" ? "" : null, "first Running");
        var lists = runtime.Controller!.ResourceLists;

        _h.Api.CompactHistory(); // every resourceVersion the operator holds is now too old
        _h.Api.BreakWatches();   // and its watches must reconnect
        await Eventually.TrueAsync(() => runtime.Controller.ResourceLists > lists, "a re-list after the 410");

        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("second"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("second")) == "Running" ? "" : null, "second Running");
    }

    [Fact]
    public async Task A_template_from_a_published_config_map_is_used_and_a_missing_one_fails_until_published()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        var resource = UserDeployment("site");
        var spec = (JsonObject)resource["spec"]!;
        spec.Remove("services");
        spec["templateRef"] = new JsonObject { ["name"] = "static-site", ["version"] = 2 };
        await _h.Client.CreateAsync(KubeResource.UserDeployments, resource);

        var failed = await Eventually.WaitAsync(() => _h.Resource("site") is { } r && Phase(r) == "Failed" ? r : null, "phase Failed");
        Assert.Contains("cs-template-static-site-v2", (string?)failed["status"]!["message"]);
        Assert.Equal("True", Condition(failed, "Degraded"));

        await _h.Client.CreateAsync(KubeResource.ConfigMaps, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = TemplateConfigMap.Name("static-site", 2), ["namespace"] = Namespace },
            ["data"] = new JsonObject { [TemplateConfigMap.Key] = CleanScheduler.Application.Features.Templates.SystemTemplates.All[0].Spec },
        });

        await Eventually.WaitAsync(() => Phase(_h.Resource("site")) == "Running" ? "" : null, "phase Running once published", TimeSpan.FromSeconds(20));
        Assert.NotNull(_h.Api.Get("v1", "configmaps", Namespace, "site-web-config"));
    }

    [Fact]
    public async Task The_hand_written_sample_is_served_like_a_server_created_resource()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        var sample = YamlJson.Documents(await File.ReadAllTextAsync(RepoPaths.Of("k8s", "samples", "userdeployment.yaml"))).Single();

        await _h.Client.CreateAsync(KubeResource.UserDeployments, sample);

        var running = await Eventually.WaitAsync(() => _h.Resource("hello-page") is { } r && Phase(r) == "Running" ? r : null, "sample Running");
        Assert.Equal("https://alice-hello-page.apps.test", (string?)running["status"]!["urls"]![0]);
        var config = _h.Api.Get("v1", "configmaps", Namespace, "hello-page-web-config")!;
        Assert.Contains("Hello from a hand-written UserDeployment", config["data"]!.AsObject().Single().Value!.GetValue<string>());
    }

    [Theory]
    [InlineData("agenttask.yaml", "agenttasks")]
    [InlineData("workflow.yaml", "workflows")]
    [InlineData("userdeployment.yaml", "userdeployments")]
    public async Task Every_sample_is_valid_against_its_CRD_schema_with_no_field_pruned(string file, string plural)
    {
        var sample = YamlJson.Documents(await File.ReadAllTextAsync(RepoPaths.Of("k8s", "samples", file))).Single();
        using var http = new HttpClient { BaseAddress = _h.Api.Address };
        var response = await http.PostAsync($"/apis/scheduler.cleanscheduler.io/v1alpha1/namespaces/{Namespace}/{plural}?fieldValidation=Strict",
            new StringContent(sample.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        Assert.False(response.Headers.Contains("Warning"));
    }

    private void ReportReady(string deployment, int replicas) =>
        _h.Api.SetStatus("apps/v1", "deployments", Namespace, deployment, new JsonObject
        {
            ["observedGeneration"] = (long?)_h.Deployment(deployment)!["metadata"]!["generation"],
            ["replicas"] = replicas, ["readyReplicas"] = replicas, ["availableReplicas"] = replicas, ["updatedReplicas"] = replicas,
        });

    private static string? Condition(JsonObject resource, string type) =>
        (string?)resource["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["status"];
}
