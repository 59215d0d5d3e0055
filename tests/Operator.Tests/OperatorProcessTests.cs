using System.Diagnostics;
using System.Net;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.Operator.Tests;

/// <summary>The built operator binary: flags, probes, metrics, a kubeconfig, the render command and start-up errors.</summary>
public sealed class OperatorProcessTests
{
    private static Process Start(IDictionary<string, string> environment, params string[] args)
    {
        var info = OperatorBinary.StartInfo(args);
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("KUBE", StringComparison.Ordinal) || OperatorSettings.Names.Contains(k)).ToList())
            info.Environment.Remove(key);
        info.Environment["HOME"] = Path.GetTempPath(); // no ~/.kube/config of the machine
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return Process.Start(info)!;
    }

    [Fact]
    public async Task With_a_kubeconfig_it_reconciles_and_serves_probes_and_metrics_on_the_addresses_given_by_flag()
    {
        await using var h = await OperatorHarness.StartAsync();
        h.Api.AutoReadyDeployments = true;
        var kubeconfig = Kubeconfig.Write(h.Api.Address, OperatorHarness.Namespace);
        var (probe, metrics) = (Loopback.FreePort(), Loopback.FreePort());
        using var process = Start(new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig, ["LEADER_ELECTION_NAMESPACE"] = OperatorHarness.Namespace },
            "--health-probe-bind-address", $"127.0.0.1:{probe}", $"--metrics-bind-address=127.0.0.1:{metrics}", "--deployment-domain", "apps.test");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await h.Client.CreateAsync(KubeResource.UserDeployments, OperatorHarness.UserDeployment("from-binary"));
            await Eventually.WaitAsync(() => OperatorHarness.Phase(h.Resource("from-binary")) == "Running" ? "" : null, "Running", TimeSpan.FromSeconds(60));

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{probe}/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{probe}/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{probe}/metrics")).StatusCode);
            var scrape = await PrometheusScrape.ReadAsync(new Uri($"http://127.0.0.1:{metrics}/metrics"));   // parsed by parse-prometheus-text-format
            Assert.True(scrape.Value("cleanscheduler_reconcile_total", ("controller", "userdeployment")) >= 1);
            Assert.Equal(0, scrape.Value("cleanscheduler_reconcile_errors_total", ("controller", "userdeployment")));
            Assert.Equal(scrape.Value("cleanscheduler_reconcile_duration_seconds_count", ("controller", "userdeployment")),
                scrape.Value("cleanscheduler_reconcile_duration_seconds_bucket", ("controller", "userdeployment"), ("le", "+Inf")));
            Assert.Equal(("HISTOGRAM", "COUNTER", "GAUGE"), (scrape.Types["cleanscheduler_reconcile_duration_seconds"], scrape.Types["cleanscheduler_reconcile_total"], scrape.Types["cleanscheduler_leader"]));
            Assert.Equal(1, scrape.Value("cleanscheduler_leader"));
            Assert.Single(scrape.Of("cleanscheduler_workqueue_depth"));
            Assert.InRange(scrape.Value("process_resident_memory_bytes"), 1e6, 1e10);   // at least a MB: the process's real figure
            Assert.True(scrape.Value("dotnet_gc_heap_size_bytes") > 0);
            Assert.DoesNotContain(GrafanaDashboard.MetricNames(), n => n.StartsWith("cleanscheduler_", StringComparison.Ordinal) && !scrape.Types.ContainsKey(n));   // what the dashboard reads
            Assert.Equal("cleanscheduler-operator-leader", (string?)h.Api.List("coordination.k8s.io/v1", "leases", OperatorHarness.Namespace).Single()["metadata"]!["name"]);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            Kubeconfig.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task Through_a_kubeconfig_whose_user_is_an_exec_credential_plugin_it_reconciles()
    {
        await using var h = await OperatorHarness.StartAsync();
        h.Api.AutoReadyDeployments = true;
        const string token = "exec-plugin-token-4f1c";
        h.Api.RequiredToken = token;   // from now on: that bearer token, or 401 (403 without one)
        using (var wrong = KubeClient.For(h.Api.Address, token: "not-the-token"))
            Assert.Equal(401, Assert.IsType<KubeApiException>(await Record.ExceptionAsync(() => wrong.ListAsync(KubeResource.UserDeployments, OperatorHarness.Namespace))).StatusCode);
        using (var anonymous = KubeClient.For(h.Api.Address))
            Assert.Equal(403, Assert.IsType<KubeApiException>(await Record.ExceptionAsync(() => anonymous.ListAsync(KubeResource.UserDeployments, OperatorHarness.Namespace))).StatusCode);
        var kubeconfig = Kubeconfig.WriteWithExecPlugin(h.Api.Address, token, OperatorHarness.Namespace);
        var probe = Loopback.FreePort();
        using var process = Start(new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig, ["LEADER_ELECTION_NAMESPACE"] = OperatorHarness.Namespace },
            "--health-probe-bind-address", $"127.0.0.1:{probe}", "--deployment-domain", "apps.test");
        _ = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var client = KubeClient.For(h.Api.Address, token: token);
            await client.CreateAsync(KubeResource.UserDeployments, OperatorHarness.UserDeployment("via-exec-plugin"));
            try
            {
                await Eventually.WaitAsync(() => OperatorHarness.Phase(h.Resource("via-exec-plugin")) == "Running" ? "" : null, "Running", TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"not Running; the operator wrote: {await errors}");
            }
            Assert.NotNull(h.Api.Get("coordination.k8s.io/v1", "leases", OperatorHarness.Namespace, "cleanscheduler-operator-leader"));
            Assert.True(Kubeconfig.PluginRuns(kubeconfig) > 0, "the credential plugin never ran");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            Kubeconfig.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task SIGTERM_stops_it_cleanly_and_hands_the_Lease_back()
    {
        await using var h = await OperatorHarness.StartAsync();
        h.Api.AutoReadyDeployments = true;
        var kubeconfig = Kubeconfig.Write(h.Api.Address, OperatorHarness.Namespace);
        using var process = Start(new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig, ["LEADER_ELECTION_NAMESPACE"] = OperatorHarness.Namespace },
            "--health-probe-bind-address", $"127.0.0.1:{Loopback.FreePort()}", "--deployment-domain", "apps.test");
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            await h.Client.CreateAsync(KubeResource.UserDeployments, OperatorHarness.UserDeployment("until-sigterm"));
            await Eventually.WaitAsync(() => OperatorHarness.Phase(h.Resource("until-sigterm")) == "Running" ? "" : null, "Running", TimeSpan.FromSeconds(60));
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await term.WaitForExitAsync();
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(exited.Token);
            Assert.Equal(0, process.ExitCode);
            var lease = h.Api.Get("coordination.k8s.io/v1", "leases", OperatorHarness.Namespace, "cleanscheduler-operator-leader")!;
            Assert.Equal("", (string?)lease["spec"]!["holderIdentity"] ?? "");
            Assert.Contains("released the Lease", await output, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            Kubeconfig.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task It_is_live_but_not_ready_while_the_API_server_cannot_be_reached()
    {
        var kubeconfig = Kubeconfig.Write(new Uri($"http://127.0.0.1:{Loopback.FreePort()}"));
        var probe = Loopback.FreePort();
        using var process = Start(new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig, ["LEADER_ELECTION_NAMESPACE"] = "default" },
            "--health-probe-bind-address", $"127.0.0.1:{probe}");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Eventually.TrueAsync(() =>
            {
                try { return http.GetAsync($"http://127.0.0.1:{probe}/healthz").Result.StatusCode == HttpStatusCode.OK; }
                catch (AggregateException) { return false; }
            }, "healthz", TimeSpan.FromSeconds(30));
            await Task.Delay(3000); // more than one leader-election attempt
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync($"http://127.0.0.1:{probe}/readyz")).StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            Kubeconfig.Delete(kubeconfig);
        }
    }

    [Theory]
    [InlineData("--health-probe-bind-address=nonsense", "configuration error: HEALTH_PROBE_BIND_ADDRESS must be [host]:port")]
    [InlineData("--resync-period=soon", "configuration error: RESYNC_PERIOD must be a duration")]
    [InlineData("--no-such-flag=1", "configuration error: unknown flag --no-such-flag")]
    [InlineData("--leader-elect=maybe", "configuration error: LEADER_ELECT must be true or false")]
    public async Task A_bad_flag_stops_start_up_with_one_line_naming_it(string flag, string expected)
    {
        using var process = Start(new Dictionary<string, string>(), flag);
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.StartsWith(expected, stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_cluster_configuration_it_says_so_in_one_line()
    {
        using var process = Start(new Dictionary<string, string> { ["KUBECONFIG"] = "/nonexistent/kubeconfig" });
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.StartsWith("configuration error: no Kubernetes configuration", stderr.Trim(), StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task The_render_command_prints_the_manifests_of_a_hand_written_resource()
    {
        using var process = Start(new Dictionary<string, string>(), "render", RepoPaths.Of("k8s", "samples", "userdeployment.yaml"), "--domain", "apps.example.com");
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        var objects = YamlJson.Documents(stdout).ToList();
        Assert.Contains(objects, o => (string?)o["kind"] == "Deployment" && (string?)o["metadata"]!["name"] == "hello-page-web");
        var ingress = objects.Single(o => (string?)o["kind"] == "Ingress");
        Assert.Equal("alice-hello-page.apps.example.com", (string?)ingress["spec"]!["rules"]![0]!["host"]);
        Assert.Equal("sandbox-alice", (string?)objects[0]["metadata"]!["name"]);
    }

    [Fact]
    public async Task The_render_command_refuses_what_is_not_a_UserDeployment()
    {
        using var process = Start(new Dictionary<string, string>(), "render", RepoPaths.Of("k8s", "samples", "agenttask.yaml"));
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("is not a scheduler.cleanscheduler.io/v1alpha1 UserDeployment", stderr);
    }
}
