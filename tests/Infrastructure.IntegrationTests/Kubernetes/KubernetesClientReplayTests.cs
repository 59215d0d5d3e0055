using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>
/// Our client (through the package) against responses recorded from a real kube-apiserver: it must send the recorded
/// request (path and query parameters; their order and the spelling of booleans may differ) and make of the recorded
/// answer what the API means (object, null, typed exception, watch events).
/// </summary>
public sealed class KubernetesClientReplayTests
{
    private static Exchange At(string file, int index) => Transcript.Load(file)[index];

    private static async Task<(T Result, TranscriptReplayServer Server)> ReplayAsync<T>(Func<KubernetesApiClient, Task<T>> call, params Exchange[] script)
    {
        var server = await TranscriptReplayServer.StartAsync(script);
        using var client = KubeClient.For(server.Address, token: "secret-token");
        try
        {
            var result = await call(client);
            Assert.Equal(script.Select(e => e.RequestLine), server.Received);
            return (result, server);
        }
        finally { await server.DisposeAsync(); }
    }

    private static async Task<Exception> FailsAsync(Func<KubernetesApiClient, Task> call, Exchange exchange)
    {
        var server = await TranscriptReplayServer.StartAsync(exchange);
        using var client = KubeClient.For(server.Address, token: "secret-token");
        try
        {
            var error = await Record.ExceptionAsync(() => call(client));
            Assert.Equal([exchange.RequestLine], server.Received);
            return error ?? throw new Xunit.Sdk.XunitException($"{exchange} did not fail");
        }
        finally { await server.DisposeAsync(); }
    }

    private static JsonObject Body(Exchange exchange) => (JsonObject)JsonNode.Parse(exchange.RequestBody)!;

    /// <summary>The package adds <c>; charset=utf-8</c>, which the API server accepts.</summary>
    private static string MediaType(string contentType) => contentType.Split(';')[0].Trim();

    [Fact]
    public async Task Create_returns_the_stored_object_and_a_duplicate_is_AlreadyExists()
    {
        var create = At("01-namespace-create-get-404.txt", 0);
        var (created, _) = await ReplayAsync(c => c.CreateAsync(KubeResource.Namespaces, Body(create)), create);
        Assert.Equal("91673520-39ac-495f-9306-5edea360c191", (string?)created["metadata"]!["uid"]);

        var duplicate = At("01-namespace-create-get-404.txt", 3);
        var error = Assert.IsType<KubeConflictException>(await FailsAsync(c => c.CreateAsync(KubeResource.Namespaces, Body(duplicate)), duplicate));
        Assert.True(error.AlreadyExists);
        Assert.Equal("namespaces \"kt-sandbox-alice\" already exists", error.ApiMessage);
    }

    [Fact]
    public async Task Get_of_a_missing_object_is_null_and_an_unserved_resource_is_a_plain_text_404()
    {
        var missing = At("01-namespace-create-get-404.txt", 2);
        var (result, _) = await ReplayAsync(c => c.GetAsync(KubeResource.Namespaces, null, "kt-does-not-exist"), missing);
        Assert.Null(result);

        var unserved = At("02-crd-create-established.txt", 0);
        var error = Assert.IsType<KubeNotFoundException>(await FailsAsync(c => c.ListAsync(KubeResource.UserDeployments, "kt-sandbox-alice"), unserved));
        Assert.Equal("", error.Reason);
        Assert.Contains("404 page not found", error.ApiMessage);
    }

    [Fact]
    public async Task A_schema_violation_is_Invalid_with_one_cause_per_field()
    {
        var invalid = At("03-userdeployment-create-409-422-get-list.txt", 2);
        var error = Assert.IsType<KubeInvalidException>(await FailsAsync(c => c.CreateAsync(KubeResource.UserDeployments, Body(invalid)), invalid));
        Assert.Equal("Invalid", error.Reason);
        Assert.Equal(["spec.services[0].replicas", "spec.services[0].image", "spec.services[1].replicas", "spec.desiredState"], error.Causes.Select(c => c.Field));
        Assert.Equal("FieldValueNotSupported", error.Causes[3].Reason);
    }

    [Fact]
    public async Task A_paged_list_follows_the_continue_token_and_keeps_the_list_resource_version()
    {
        var first = At("03-userdeployment-create-409-422-get-list.txt", 8);
        var second = At("03-userdeployment-create-409-422-get-list.txt", 9);
        // The recording stops after page two, whose answer still has a continue token: the third page is page two's
        // answer without the token, so that the list ends.
        var token = (string)second.ResponseJson!["metadata"]!["continue"]!;
        var last = second.ResponseJson!;
        last["metadata"]!.AsObject().Remove("continue");
        var third = second with { Target = $"{first.Target}&continue={token}", ResponseBody = last.ToJsonString() };
        var (list, _) = await ReplayAsync(c => c.ListAsync(KubeResource.UserDeployments, "kt-sandbox-alice", new ListOptions(Limit: 1)), first, second, third);
        Assert.Equal(3, list.Items.Count);
        Assert.Equal("345", list.ResourceVersion);
        Assert.Equal((string?)first.ResponseJson!["items"]![0]!["metadata"]!["name"], (string?)list.Items[0]["metadata"]!["name"]);
    }

    [Fact]
    public async Task A_paged_list_with_a_selector_replaces_each_item_as_its_page_arrives()
    {
        var first = At("03-userdeployment-create-409-422-get-list.txt", 8);
        var second = At("03-userdeployment-create-409-422-get-list.txt", 9);
        var last = second.ResponseJson!;
        last["metadata"]!.AsObject().Remove("continue");
        var server = await TranscriptReplayServer.StartAsync(first, second with { ResponseBody = last.ToJsonString() });
        await using var _ = server;
        using var client = KubeClient.For(server.Address, token: "secret-token");
        var requestsWhenSelected = new List<int>();
        var list = await client.ListAsync(KubeResource.UserDeployments, "kt-sandbox-alice", new ListOptions(Limit: 1), select: item =>
        {
            requestsWhenSelected.Add(server.Received.Count);
            return new JsonObject { ["name"] = (string?)item["metadata"]!["name"] };
        });
        // The first page's item is replaced before the second page is asked for: a whole list of full objects is never held.
        Assert.Equal([1, 2], requestsWhenSelected);
        Assert.Equal([(string?)first.ResponseJson!["items"]![0]!["metadata"]!["name"], (string?)second.ResponseJson!["items"]![0]!["metadata"]!["name"]],
            list.Items.Select(i => (string?)i["name"]));
    }

    [Fact]
    public async Task Server_side_apply_sends_apply_patch_yaml_with_the_field_manager_and_force_and_a_conflict_names_its_fields()
    {
        var create = At("04-server-side-apply-deployment.txt", 0);
        var applyBody = DeploymentApplyBody(create);
        var server = await TranscriptReplayServer.StartAsync(create);
        using (var client = KubeClient.For(server.Address))
        {
            var applied = await client.ApplyAsync(KubeResource.Deployments, applyBody, "cleanscheduler-operator", force: false);
            Assert.Equal("web-shop-frontend", (string?)applied["metadata"]!["name"]);
        }
        Assert.Equal("application/apply-patch+yaml", MediaType(server.ContentTypes.Single()));
        await server.DisposeAsync();

        var forced = At("04-server-side-apply-deployment.txt", 6);
        var (result, _) = await ReplayAsync(c => c.ApplyAsync(KubeResource.Deployments, applyBody, "cleanscheduler-operator", force: true), forced);
        Assert.NotNull(result["metadata"]!["managedFields"]);

        var conflict = At("04-server-side-apply-deployment.txt", 3);
        var error = Assert.IsType<KubeConflictException>(await FailsAsync(c => c.ApplyAsync(KubeResource.Deployments, applyBody, "kt-human", force: false), conflict));
        Assert.False(error.AlreadyExists);
        Assert.Contains(".spec.replicas", error.ApiMessage);
    }

    [Fact]
    public async Task A_merge_patch_pinned_to_a_stale_resource_version_is_a_Conflict()
    {
        var stale = At("05-update-stale-resourceversion-409.txt", 4);
        var body = Body(stale);
        var error = Assert.IsType<KubeConflictException>(await FailsAsync(c => c.MergePatchAsync(KubeResource.UserDeployments, "kt-sandbox-alice", "web-shop", body), stale));
        Assert.False(error.AlreadyExists);
        Assert.Contains("the object has been modified", error.ApiMessage);
    }

    [Fact]
    public async Task Status_is_patched_through_the_status_subresource_as_a_merge_patch()
    {
        var patch = At("06-status-subresource-generation.txt", 2);
        var server = await TranscriptReplayServer.StartAsync(patch);
        using (var client = KubeClient.For(server.Address))
        {
            var result = await client.MergePatchAsync(KubeResource.UserDeployments, "kt-sandbox-alice", "status-demo", Body(patch), "status");
            Assert.Equal("Running", (string?)result["status"]!["phase"]);
        }
        Assert.Equal("application/merge-patch+json", MediaType(server.ContentTypes.Single()));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Delete_returns_the_object_while_finalizers_hold_it_and_null_once_it_is_gone()
    {
        var held = At("07-finalizers-delete.txt", 2);
        var (kept, _) = await ReplayAsync(c => c.DeleteAsync(KubeResource.UserDeployments, "kt-sandbox-alice", "finalizer-demo"), held);
        Assert.NotNull(kept?["metadata"]?["deletionTimestamp"]);

        var gone = At("07-finalizers-delete.txt", 12);
        var (result, _) = await ReplayAsync(c => c.DeleteAsync(KubeResource.UserDeployments, "kt-sandbox-alice", "plain-delete"), gone);
        Assert.Null(result);

        var missing = At("07-finalizers-delete.txt", 10);
        Assert.IsType<KubeNotFoundException>(await FailsAsync(c => c.DeleteAsync(KubeResource.UserDeployments, "kt-sandbox-alice", "finalizer-demo"), missing));
    }

    [Fact]
    public async Task A_watch_yields_every_event_of_the_recorded_stream_including_the_bookmark()
    {
        var watch = At("08-watch-events-bookmark.txt", 0);
        var (events, _) = await ReplayAsync(async c =>
        {
            var seen = new List<WatchEvent>();
            await foreach (var e in c.WatchAsync(KubeResource.UserDeployments, "kt-sandbox-alice", new WatchOptions("417"))) seen.Add(e);
            return seen;
        }, watch);
        Assert.Equal(
            [WatchEventType.Added, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Deleted, WatchEventType.Bookmark],
            events.Select(e => e.Type));
        Assert.Equal(["418", "419", "420", "421", "422", "423", "423"], events.Select(e => e.ResourceVersion));
    }

    [Fact]
    public async Task A_watch_that_times_out_ends_cleanly_and_an_expired_one_is_Gone()
    {
        var timeout = At("08b-watch-timeout-bookmark.txt", 0);
        var (count, _) = await ReplayAsync(async c =>
        {
            var n = 0;
            await foreach (var _ in c.WatchAsync(KubeResource.UserDeployments, "kt-system", new WatchOptions("417", TimeoutSeconds: 20))) n++;
            return n;
        }, timeout);
        Assert.Equal(2, count); // the two bookmarks, then the end of the stream

        var expired = At("08d-watch-too-old-or-future-resourceversion.txt", 0);
        var error = Assert.IsType<KubeGoneException>(await FailsAsync(async c =>
        {
            await foreach (var _ in c.WatchAsync(KubeResource.UserDeployments, "kt-sandbox-alice", new WatchOptions("1"))) { }
        }, expired));
        Assert.Equal("Expired", error.Reason);
        Assert.StartsWith("too old resource version: 1", error.ApiMessage);
    }

    [Fact]
    public async Task A_lease_race_is_AlreadyExists_and_the_package_lease_lock_loses_a_stale_renewal()
    {
        var race = At("09-lease-leader-election.txt", 1);
        Assert.True(Assert.IsType<KubeConflictException>(await FailsAsync(c => c.CreateAsync(KubeResource.Leases, Body(race)), race)).AlreadyExists);

        // The leader election's lock: read at R, then a PUT that another candidate's renewal made stale (409) is "not updated".
        var (read, stale) = (At("09-lease-leader-election.txt", 2), At("09-lease-leader-election.txt", 4));
        var (updated, _) = await ReplayAsync(async c =>
        {
            var lease = new k8s.LeaderElection.ResourceLock.LeaseLock(c.Api, "kt-system", "cleanscheduler-operator-leader", "candidate-b");
            var record = await lease.GetAsync();
            Assert.Equal((string?)read.ResponseJson!["spec"]!["holderIdentity"], record.HolderIdentity);
            return await lease.UpdateAsync(new k8s.LeaderElection.LeaderElectionRecord
            {
                HolderIdentity = "candidate-b", AcquireTime = DateTime.UtcNow, RenewTime = DateTime.UtcNow, LeaseDurationSeconds = 15, LeaderTransitions = record.LeaderTransitions + 1,
            });
        }, read, stale);
        Assert.False(updated);
    }

    [Fact]
    public async Task The_log_of_a_pod_without_one_is_null_not_an_error()
    {
        var exchange = At("10-pod-logs-pending.txt", 2);
        Assert.Equal(204, exchange.Status);
        var (stream, _) = await ReplayAsync(c => c.GetLogsAsync("kt-sandbox-alice", "logs-demo", null, follow: false), exchange);
        Assert.Null(stream);

        var badContainer = At("10-pod-logs-pending.txt", 4);
        var error = Assert.IsType<KubeApiException>(await FailsAsync(c => c.GetLogsAsync("kt-sandbox-alice", "logs-demo", "nope", follow: false), badContainer));
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public async Task A_bad_token_is_401_and_a_server_error_means_unavailable()
    {
        var unauthorized = Transcript.Load("13-auth-401-403.txt").First(e => e.Status == 401);
        var error = Assert.IsType<KubeApiException>(await FailsAsync(c => c.SendForTestAsync(unauthorized), unauthorized));
        Assert.Equal(401, error.StatusCode);
        Assert.Equal("Unauthorized", error.Reason);

        // The recorded 504 (a LIST with a future resourceVersion, which our client never sends) answers a plain LIST here.
        var tooLarge = At("08d-watch-too-old-or-future-resourceversion.txt", 3) with { Target = "/apis/scheduler.cleanscheduler.io/v1alpha1/namespaces/kt-sandbox-alice/userdeployments" };
        Assert.Equal(504, tooLarge.Status);
        Assert.IsType<KubeUnavailableException>(await FailsAsync(c => c.SendForTestAsync(tooLarge), tooLarge));
    }

    [Fact]
    public async Task An_apply_the_schema_cannot_type_is_a_rejected_request_not_an_unavailable_server()
    {
        var untypable = At("16-unknown-fields.txt", 1);
        Assert.Equal(500, untypable.Status);
        var error = Assert.IsType<KubeApiException>(await FailsAsync(
            c => c.ApplyAsync(KubeResource.UserDeployments, YamlJson.Documents(untypable.RequestBody).Single(), "cleanscheduler-server", force: true), untypable));
        Assert.True(error.RequestRejected);
        Assert.Equal(500, error.StatusCode);
        Assert.EndsWith(".spec.templateRef.configMapName: field not declared in schema", error.ApiMessage, StringComparison.Ordinal);

        var strict = At("16-unknown-fields.txt", 4) is var recorded ? recorded with { Target = recorded.Target.Split('?')[0] } : null!;   // our client never asks for Strict
        var badRequest = Assert.IsType<KubeApiException>(await FailsAsync(c => c.CreateAsync(KubeResource.UserDeployments, Body(strict)), strict));
        Assert.True(badRequest.RequestRejected);

        var invalid = At("03-userdeployment-create-409-422-get-list.txt", 2);
        Assert.True(Assert.IsType<KubeInvalidException>(await FailsAsync(c => c.CreateAsync(KubeResource.UserDeployments, Body(invalid)), invalid)).RequestRejected);
        var duplicate = At("01-namespace-create-get-404.txt", 3);
        Assert.False(Assert.IsType<KubeConflictException>(await FailsAsync(c => c.CreateAsync(KubeResource.Namespaces, Body(duplicate)), duplicate)).RequestRejected);
        var unauthorized = Transcript.Load("13-auth-401-403.txt").First(e => e.Status == 401);
        Assert.False(Assert.IsType<KubeApiException>(await FailsAsync(c => c.SendForTestAsync(unauthorized), unauthorized)).RequestRejected);
    }

    private static JsonObject DeploymentApplyBody(Exchange exchange) =>
        YamlJson.Documents(exchange.RequestBody).Single();
}

internal static class ClientTestExtensions
{
    /// <summary>Sends a recorded GET through the client's error handling (for paths the typed API does not build).</summary>
    public static Task<KubeList> SendForTestAsync(this KubernetesApiClient client, Exchange exchange)
    {
        var path = exchange.Target.Split('?')[0];
        var ns = path.Split('/') is var parts && Array.IndexOf(parts, "namespaces") is var i and >= 0 && i + 1 < parts.Length ? parts[i + 1] : null;
        var plural = path.Split('/')[^1];
        var resource = KubeResource.Known.FirstOrDefault(r => r.Plural == plural) ?? new KubeResource("", "v1", plural, plural);
        return client.ListAsync(resource, ns, null);
    }
}
