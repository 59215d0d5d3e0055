using System.Diagnostics;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The install (<c>kubectl kustomize k8s/</c>): secret settings only from the Secret, and the server starts with what it gets.</summary>
public sealed class InstallTests
{
    private static readonly string[] SecretKeys = ["DATABASE_DSN", "SECRETS_ENCRYPTION_KEY", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"];

    private static readonly Lazy<IReadOnlyList<JsonObject>> Rendered = new(() =>
    {
        using var process = Process.Start(new ProcessStartInfo("kubectl", ["kustomize", RepoPaths.Of("k8s")]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "kubectl kustomize k8s/ failed: " + error);
        return YamlJson.Documents(output).ToList();
    });

    private static JsonObject One(string kind, string name) =>
        Rendered.Value.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]!["name"] == name);

    private static Dictionary<string, string> ConfigMap() =>
        One("ConfigMap", "cleanscheduler-server")["data"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);

    [Fact]
    public void The_base_holds_no_secret_value_and_the_server_takes_each_secret_setting_from_its_secret()
    {
        Assert.DoesNotContain(Rendered.Value, o => (string?)o["kind"] == "Secret");
        Assert.Empty(ConfigMap().Keys.Intersect(SecretKeys));
        var env = One("Deployment", "cleanscheduler-server")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        foreach (var key in SecretKeys)
        {
            var entry = Assert.Single(env, e => (string?)e!["name"] == key)!;
            Assert.Null(entry["value"]);
            Assert.Equal(("cleanscheduler-server", key), ((string?)entry["valueFrom"]!["secretKeyRef"]!["name"], (string?)entry["valueFrom"]!["secretKeyRef"]!["key"]));
        }
    }

    [Fact]
    public void The_documented_example_secret_names_exactly_those_settings_with_placeholders_only()
    {
        var example = YamlJson.Documents(File.ReadAllText(RepoPaths.Of("k8s", "secret.example.yaml"))).Single();

        Assert.Equal(("Secret", "cleanscheduler-server"), ((string?)example["kind"], (string?)example["metadata"]!["name"]));
        var data = example["stringData"]!.AsObject();
        Assert.Equal(SecretKeys.Order(), data.Select(p => p.Key).Order());
        Assert.All(data, p => Assert.Contains("REPLACE-ME", (string)p.Value!));
    }

    [Fact]
    public async Task The_server_starts_outside_dev_mode_with_the_install_settings_and_a_filled_in_secret()
    {
        var database = await TestPostgres.CreateEmptyAsync("install");
        var port = Loopback.FreePort();
        var environment = ConfigMap();
        environment["DATABASE_DSN"] = TestPostgres.ConnectionStringFor(database);
        environment["SECRETS_ENCRYPTION_KEY"] = Convert.ToBase64String(TestServices.SecretsKey);
        environment["GOOGLE_CLIENT_ID"] = "client.apps.googleusercontent.com";
        environment["GOOGLE_CLIENT_SECRET"] = "client-secret";
        environment["SERVER_ADDR"] = $"127.0.0.1:{port}";   // the pod's 0.0.0.0:8080, on a free loopback port here
        var metricsPort = Loopback.FreePort();
        Assert.Equal(":9090", environment["METRICS_ADDR"]);
        environment["METRICS_ADDR"] = $"127.0.0.1:{metricsPort}";   // ...and so is the metrics listener
        environment["KUBERNETES_ENABLED"] = "false";          // no cluster here
        environment["REACT_UI"] = "false";                    // the web UI build is the image's business, not this test's
        Assert.False(environment.ContainsKey("DEV_MODE"));
        using var server = ServerProcessTests.Start(environment);
        var stderr = server.StandardError.ReadToEndAsync();
        _ = server.StandardOutput.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var ready = ServerProcessTests.WaitReadyAsync(http, port);
            var exited = server.WaitForExitAsync();
            if (await Task.WhenAny(ready, exited) == exited) Assert.Fail($"the server exited with {server.ExitCode}: {await stderr}");
            await ready;
            var scrape = await PrometheusScrape.ReadAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
            Assert.True(scrape.Value("scheduler_api_request_duration_seconds_count", ("route", "/readyz"), ("method", "GET"), ("status_class", "2xx")) >= 1);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await TestPostgres.DropAsync(database);
        }
    }

    [Theory]
    [InlineData("GOOGLE_CLIENT_ID")]
    [InlineData("GOOGLE_CLIENT_SECRET")]
    public async Task Without_a_google_setting_the_server_refuses_to_start_with_one_line_naming_it(string missing)
    {
        var environment = ConfigMap();
        environment["DATABASE_DSN"] = "postgres://u@127.0.0.1:1/db";
        environment["SECRETS_ENCRYPTION_KEY"] = Convert.ToBase64String(TestServices.SecretsKey);
        environment["GOOGLE_CLIENT_ID"] = "client";
        environment["GOOGLE_CLIENT_SECRET"] = "secret";
        environment.Remove(missing);
        environment["KUBERNETES_ENABLED"] = "false";
        environment["REACT_UI"] = "false";

        using var server = ServerProcessTests.Start(environment);
        var stderr = server.StandardError.ReadToEndAsync();
        _ = server.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server.WaitForExitAsync(timeout.Token);

        Assert.NotEqual(0, server.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"configuration error: {missing} is required", line, StringComparison.Ordinal);
    }
}
