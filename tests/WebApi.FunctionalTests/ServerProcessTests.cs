using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using CleanScheduler.TestSupport;
using Npgsql;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The built server binary, started as a process the way the run script and the Dockerfile start it.</summary>
public sealed class ServerProcessTests
{
    /// <summary>The host's own build output, next to this test project's (same configuration).</summary>
    private static string HostDll(string project)
    {
        var sep = Path.DirectorySeparatorChar;
        var dll = Path.Combine(AppContext.BaseDirectory.Replace($"{sep}tests{sep}WebApi.FunctionalTests{sep}", $"{sep}src{sep}{project}{sep}"),
            $"CleanScheduler.{project}.dll");
        Assert.True(File.Exists(dll), $"{project} not built at {dll}");
        return dll;
    }

    internal static Process Start(IDictionary<string, string> environment, string project = "WebApi", params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [HostDll(project), .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys.Where(k => k is "DATABASE_DSN" or "DEV_MODE" or "BASE_URL" or "SERVER_ADDR").ToList())
            info.Environment.Remove(key);
        info.Environment["METRICS_ADDR"] = "";   // no listener on :9090 unless the test asks for one (servers run side by side)
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return Process.Start(info)!;
    }

    private static async Task<(int ExitCode, string StdErr)> RunToExitAsync(IDictionary<string, string> environment)
    {
        using var process = Start(environment);
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr);
    }

    [Fact]
    public void The_built_server_runs_workstation_gc_and_thread_pool_workers_that_do_not_spin()
    {
        // The host settings measured in bench/README.md travel in the server's runtimeconfig.json, so that every way of
        // starting it (run script, Dockerfile, a published copy) gets them, not only the bench's environment.
        var config = Path.ChangeExtension(HostDll("WebApi"), ".runtimeconfig.json");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public async Task The_image_starts_the_server_with_the_runtime_environment_the_run_script_gives_it()
    {
        // Settings only the environment can give (the GC's gen0 budget): scripts/lib.sh's server_runtime_env for
        // scripts/run.sh and bench/api, the ENV of docker/server.Dockerfile for the image. They must not drift apart.
        var script = await RuntimeEnvAsync(null);
        Assert.Contains("DOTNET_GCgen0size=0x800000", script);
        var image = File.ReadAllLines(RepoPaths.Of("docker", "server.Dockerfile"))
            .Where(line => line.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(line => line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (var setting in script) Assert.Contains(setting, image);
        // A value the operator sets in the environment is kept (the server inherits it): the script adds nothing.
        Assert.Empty(await RuntimeEnvAsync("0x2000000"));
    }

    private static async Task<string[]> RuntimeEnvAsync(string? gen0Size)
    {
        var info = new ProcessStartInfo("bash", ["-c", "source scripts/lib.sh && server_runtime_env"])
        {
            WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, UseShellExecute = false,
        };
        info.Environment.Remove("DOTNET_GCgen0size");
        if (gen0Size is not null) info.Environment["DOTNET_GCgen0size"] = gen0Size;
        using var bash = Process.Start(info)!;
        var output = await bash.StandardOutput.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.Equal(0, bash.ExitCode);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task A_missing_database_dsn_stops_the_start_with_one_line_naming_it()
    {
        var (code, stderr) = await RunToExitAsync(new Dictionary<string, string> { ["DEV_MODE"] = "true", ["SERVER_ADDR"] = "localhost:8081" });

        Assert.NotEqual(0, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("configuration error: DATABASE_DSN is required", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dev_mode_on_a_public_url_refuses_to_start()
    {
        var (code, stderr) = await RunToExitAsync(new Dictionary<string, string>
        {
            ["DEV_MODE"] = "true",
            ["BASE_URL"] = "https://scheduler.example.com",
            ["SERVER_ADDR"] = "127.0.0.1:8081",
            ["DATABASE_DSN"] = "postgres://u@127.0.0.1:1/db",
        });

        Assert.NotEqual(0, code);
        Assert.StartsWith("configuration error: BASE_URL must be a localhost URL", stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Dev_mode_listening_on_every_interface_refuses_to_start_with_one_line_naming_SERVER_ADDR()
    {
        var (code, stderr) = await RunToExitAsync(new Dictionary<string, string>
        {
            ["DEV_MODE"] = "true",
            ["DATABASE_DSN"] = "postgres://u@127.0.0.1:1/db",   // SERVER_ADDR unset: the default ':8081' is every interface
        });

        Assert.NotEqual(0, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("configuration error: SERVER_ADDR must be a loopback address", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SERVER_ADDR")]
    [InlineData("METRICS_ADDR")]
    public async Task A_listen_address_another_process_holds_stops_the_start_with_one_line_naming_it(string variable)
    {
        var database = await TestPostgres.CreateEmptyAsync("busy");
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var busy = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var environment = new Dictionary<string, string>
        {
            ["DATABASE_DSN"] = TestPostgres.ConnectionStringFor(database),
            ["DEV_MODE"] = "true",
            ["SERVER_ADDR"] = $"127.0.0.1:{Loopback.FreePort()}",
            ["LOG_LEVEL"] = "warning",
        };
        environment[variable] = $"127.0.0.1:{busy}";

        var (code, stderr) = await RunToExitAsync(environment);

        Assert.NotEqual(0, code);
        Assert.Equal($"start-up error: {variable} 127.0.0.1:{busy} is in use by another process", stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.DoesNotContain("   at ", stderr);   // no stack trace (DEV_MODE's warning about the random secrets key may come first)
    }

    [Fact]
    public async Task Two_servers_starting_on_an_empty_database_both_come_up_and_migrate_it_once()
    {
        var database = await TestPostgres.CreateEmptyAsync("process");
        var ports = new[] { Loopback.FreePort(), Loopback.FreePort() };
        var servers = ports.Select(port => Start(new Dictionary<string, string>
        {
            ["DATABASE_DSN"] = TestPostgres.ConnectionStringFor(database),
            ["DEV_MODE"] = "true",
            ["SERVER_ADDR"] = $"127.0.0.1:{port}",
            ["LOG_LEVEL"] = "warning",
        })).ToList();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var port in ports) await WaitReadyAsync(http, port);

            using var created = await http.PostAsJsonAsync($"http://127.0.0.1:{ports[0]}/api/orgs", new { name = "Process", slug = "process" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var tooLarge = await http.PostAsync($"http://127.0.0.1:{ports[1]}/api/orgs",
                new StringContent("{\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Contains("request.too_large", await tooLarge.Content.ReadAsStringAsync());
            foreach (var path in new[] { "/api/orgs/%00", "/api/%2e%2e/%2e%2e/etc/passwd", "/api/orgs/" + new string('a', 4000) })
            {
                using var odd = await http.GetAsync($"http://127.0.0.1:{ports[0]}{path}");
                Assert.InRange((int)odd.StatusCode, 400, 499);
            }

            await using var connection = new NpgsqlConnection(TestPostgres.ConnectionStringFor(database, pooling: false));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT version) FROM schema_migrations", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
            Assert.True(reader.GetInt64(0) >= 1);
        }
        finally
        {
            foreach (var server in servers) { server.Kill(entireProcessTree: true); server.Dispose(); }
            await TestPostgres.DropAsync(database);
        }
    }

    internal static async Task WaitReadyAsync(HttpClient http, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/readyz");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"server on {port} did not become ready");
            await Task.Delay(200);
        }
    }
}
