using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

/// <summary>A host is served by one UserDeployment: the first created keeps it; a later one claiming it gets no Ingress and says why.</summary>
public sealed class HostConflictTests : IAsyncLifetime
{
    private const string Host = "shop.example.com";
    private OperatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static JsonObject WithHost(string name, string host = Host)
    {
        var resource = UserDeployment(name);
        resource["spec"]!["host"] = host;
        return resource;
    }

    private JsonObject? Ingress(string name) => _h.Api.Get("networking.k8s.io/v1", "ingresses", Namespace, name);

    private static JsonObject? Degraded(JsonObject? resource) =>
        resource?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Degraded");

    [Fact]
    public async Task A_second_resource_claiming_a_served_host_is_degraded_without_an_Ingress_and_takes_the_host_once_the_first_is_gone()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.UserDeployments, WithHost("first"));
        await Eventually.TrueAsync(() => Phase(_h.Resource("first")) == "Running", "first Running");

        await _h.Client.CreateAsync(KubeResource.UserDeployments, WithHost("second"));

        var second = await Eventually.WaitAsync(() => _h.Resource("second") is { } r && (string?)Degraded(r)?["reason"] == "HostConflict" && Phase(r) == "Running" ? r : null,
            "second Degraded with HostConflict (its services running)");
        var degraded = Degraded(second)!;
        Assert.Equal("True", (string?)degraded["status"]);
        Assert.Contains($"{Namespace}/first", (string?)degraded["message"]);
        Assert.Contains(Host, (string?)second["status"]!["message"]);
        Assert.Empty(second["status"]!["urls"]!.AsArray());
        Assert.Null(Ingress("second"));
        Assert.NotNull(_h.Deployment("second-web"));                                   // the rest renders and runs
        Assert.NotNull(_h.Api.Get("v1", "services", Namespace, "second-web"));
        Assert.Equal(Host, (string?)Ingress("first")!["spec"]!["rules"]![0]!["host"]);   // the first keeps the host
        Assert.Equal("False", (string?)Degraded(_h.Resource("first"))!["status"]);

        await _h.Client.DeleteAsync(KubeResource.UserDeployments, Namespace, "first");

        var taken = await Eventually.WaitAsync(() => Ingress("second"), "second gets the Ingress once first is gone");
        Assert.Equal(Host, (string?)taken["spec"]!["rules"]![0]!["host"]);
        var healed = await Eventually.WaitAsync(() => _h.Resource("second") is { } r && (string?)Degraded(r)?["status"] == "False" ? r : null, "second no longer Degraded");
        Assert.Equal($"https://{Host}", (string?)healed["status"]!["urls"]![0]);
    }

    [Fact]
    public async Task The_first_created_keeps_the_host_whatever_the_order_of_reconciles_and_the_default_host_counts_too()
    {
        _h.Api.AutoReadyDeployments = true;
        // "zeta" is created first; "alpha" (listed and reconciled first) claims the same host a second later: it gets
        // zeta's default host alice-zeta.apps.test written out.
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("zeta"));
        await Task.Delay(1100);   // creationTimestamps have second precision
        await _h.Client.CreateAsync(KubeResource.UserDeployments, WithHost("alpha", "alice-zeta.apps.test"));
        _h.StartOperator();

        var alpha = await Eventually.WaitAsync(() => _h.Resource("alpha") is { } r && (string?)Degraded(r)?["reason"] == "HostConflict" ? r : null, "alpha in conflict");
        Assert.Contains($"{Namespace}/zeta", (string?)Degraded(alpha)!["message"]);
        await Eventually.TrueAsync(() => Phase(_h.Resource("zeta")) == "Running", "zeta Running");
        Assert.Equal("alice-zeta.apps.test", (string?)Ingress("zeta")!["spec"]!["rules"]![0]!["host"]);
        Assert.Null(Ingress("alpha"));
        Assert.DoesNotContain(_h.Api.Requests, r => r.Contains("/ingresses/alpha", StringComparison.Ordinal));   // never applied, not even for a moment
    }

    [Fact]
    public async Task A_holder_in_another_namespace_is_not_named_in_the_status_which_its_owner_reads()
    {
        _h.Api.AutoReadyDeployments = true;
        const string elsewhere = "sandbox-bob";
        await _h.Client.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = elsewhere } });
        var holder = WithHost("secret-project");
        holder["metadata"]!["namespace"] = elsewhere;
        await _h.Client.CreateAsync(KubeResource.UserDeployments, holder);
        await Task.Delay(1100);   // creationTimestamps have second precision
        await _h.Client.CreateAsync(KubeResource.UserDeployments, WithHost("mine"));
        _h.StartOperator();

        var mine = await Eventually.WaitAsync(() => _h.Resource("mine") is { } r && (string?)Degraded(r)?["reason"] == "HostConflict" ? r : null, "mine in conflict");
        var status = mine["status"]!.ToJsonString();
        Assert.DoesNotContain(elsewhere, status);
        Assert.DoesNotContain("secret-project", status);
        Assert.Contains("another namespace", (string?)Degraded(mine)!["message"]);
        Assert.Null(Ingress("mine"));
    }

    [Fact]
    public async Task A_server_made_resource_keeps_its_host_against_an_older_hand_written_one()
    {
        _h.Api.AutoReadyDeployments = true;
        await _h.Client.CreateAsync(KubeResource.UserDeployments, WithHost("squatter"));   // written by hand, first
        await Task.Delay(1100);   // creationTimestamps have second precision
        var tenant = WithHost("tenant");
        tenant["metadata"]!["labels"] = new JsonObject
        {
            ["app.kubernetes.io/managed-by"] = "cleanscheduler-server", ["scheduler.cleanscheduler.io/deployment-id"] = Guid.NewGuid().ToString(),
        };
        await _h.Client.CreateAsync(KubeResource.UserDeployments, tenant);
        _h.StartOperator();

        await Eventually.WaitAsync(() => _h.Resource("squatter") is { } r && (string?)Degraded(r)?["reason"] == "HostConflict" ? r : null, "the hand-written one in conflict");
        var served = await Eventually.WaitAsync(() => Ingress("tenant"), "the server-made one serves the host");
        Assert.Equal(Host, (string?)served["spec"]!["rules"]![0]!["host"]);
        Assert.Null(Ingress("squatter"));
    }
}
