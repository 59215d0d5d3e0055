using System.Diagnostics;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>What our client adds to the package: a time limit for each request but watches and followed logs, and unavailability as one exception.</summary>
public sealed class KubernetesApiClientTests
{
    private static KubernetesApiClient Client(Uri server, TimeSpan timeout) =>
        new(new k8s.KubernetesClientConfiguration { Host = server.ToString().TrimEnd('/'), AccessToken = "t" }, "test", timeout);

    [Fact]
    public async Task A_request_without_an_answer_within_the_timeout_is_unavailable()
    {
        var (app, address) = await Loopback.ServeAsync(async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var _ = app;
        using var client = Client(address, TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<KubeUnavailableException>(() => client.ListAsync(KubeResource.UserDeployments, "ns"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Contains("no answer within 1 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_unavailable()
    {
        using var client = Client(new Uri($"http://127.0.0.1:{Loopback.FreePort()}"), TimeSpan.FromSeconds(5));
        Assert.IsType<System.Net.Http.HttpRequestException>((await Assert.ThrowsAsync<KubeUnavailableException>(() => client.GetAsync(KubeResource.Namespaces, null, "x"))).InnerException);
    }

    [Fact]
    public async Task A_watch_and_a_followed_log_outlive_the_request_timeout()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        using var client = Client(api.Address, TimeSpan.FromSeconds(1));
        using var setup = Client(api.Address, TimeSpan.FromSeconds(30));   // the other requests: a busy machine may take a second
        await setup.CreateAsync(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "ns" } });
        api.AddPod("ns", "web-1", new JsonObject { ["app"] = "web" }, ["first"]);
        var list = await setup.ListAsync(KubeResource.ConfigMaps, "ns");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var watched = Task.Run(async () =>
        {
            await foreach (var e in client.WatchAsync(KubeResource.ConfigMaps, "ns", new WatchOptions(list.ResourceVersion), stop.Token)) return e;
            return null;
        });
        await using var log = (await client.GetLogsAsync("ns", "web-1", null, follow: true, cancellationToken: stop.Token))!;
        using var reader = new StreamReader(log);
        Assert.Equal("first", await reader.ReadLineAsync(stop.Token));

        await Task.Delay(TimeSpan.FromSeconds(2.5), stop.Token);
        await setup.CreateAsync(KubeResource.ConfigMaps, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "late", ["namespace"] = "ns" } });
        api.AppendLog("ns", "web-1", "second");

        var change = await watched;
        Assert.Equal((WatchEventType.Added, "late"), (change!.Type, (string?)change.Object["metadata"]!["name"]));
        Assert.Equal("second", await reader.ReadLineAsync(stop.Token));
    }

    [Fact]
    public async Task Credentials_an_exec_plugin_cannot_give_later_are_unavailable_and_come_back_with_the_plugin()
    {
        // A cloud's credential plugin fails for a while (an IAM hiccup, a timeout): requests are unavailable, retried
        // by their callers, not an unknown error that ends a watch or the leader election for good.
        await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        api.RequiredToken = "exec-token";
        var kubeconfig = Kubeconfig.WriteWithExecPlugin(api.Address, "exec-token");
        var plugin = kubeconfig + ".credential-plugin.sh";
        var broken = kubeconfig + ".broken";
        // Already expired: the package runs the plugin again before every request.
        File.WriteAllText(plugin, $$$"""
            #!/bin/sh
            if [ -e "{{{broken}}}" ]; then echo "token service unavailable" >&2; exit 1; fi
            printf '%s\n' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token","expirationTimestamp":"2020-01-01T00:00:00Z"}}'
            """.ReplaceLineEndings("\n"));
        try
        {
            Assert.True(KubernetesConfiguration.TryDiscover(name => name == "KUBECONFIG" ? kubeconfig : null, out var configuration, out var error), error);
            using var client = new KubernetesApiClient(configuration, "test");
            Assert.Null(await client.GetAsync(KubeResource.Namespaces, null, "absent"));

            File.WriteAllText(broken, "");
            var failure = await Assert.ThrowsAsync<KubeUnavailableException>(() => client.GetAsync(KubeResource.Namespaces, null, "absent"));
            Assert.Contains("no credentials", failure.Message, StringComparison.Ordinal);

            File.Delete(broken);
            Assert.Null(await client.GetAsync(KubeResource.Namespaces, null, "absent"));
        }
        finally
        {
            File.Delete(broken);
            Kubeconfig.Delete(kubeconfig);
        }
    }
}
