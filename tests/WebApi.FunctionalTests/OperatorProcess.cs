using System.Diagnostics;
using System.Net;
using CleanScheduler.TestSupport;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// The built operator binary as a process beside the test server, connected through <paramref name="kubeconfig"/> only
/// (the test host's KUBE* and WATCH_NAMESPACE variables are not passed on). Killed on dispose.
/// </summary>
internal sealed class OperatorProcess(Process process) : IDisposable
{
    public static OperatorProcess Start(string kubeconfig)
    {
        var info = OperatorBinary.StartInfo("--health-probe-bind-address", $"127.0.0.1:{Loopback.FreePort()}", "--leader-elect=false",
            "--deployment-domain", "apps.test", "--resync-period", "1h");
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("KUBE", StringComparison.Ordinal) || k == "WATCH_NAMESPACE").ToList()) info.Environment.Remove(key);
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["HOME"] = Path.GetTempPath();
        var started = Process.Start(info)!;
        // What it writes (its log) is kept in a temp file for when a test fails.
        var log = Path.Combine(Path.GetTempPath(), $"cleanscheduler-operator-{started.Id}.log");
        var (output, errors) = (started.StandardOutput.ReadToEndAsync(), started.StandardError.ReadToEndAsync());
        _ = Task.WhenAll(output, errors).ContinueWith(_ => File.WriteAllText(log, $"{output.Result}{errors.Result}"), TaskScheduler.Default);
        return new OperatorProcess(started) { LogFile = log };
    }

    /// <summary>An owner on the Business plan deploys "Web app + PostgreSQL" as <c>shop</c>; the deployment's id and the team.</summary>
    public static async Task<(Api Owner, string Team, string Id)> DeployShopAsync(ApiFactory factory)
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (org, team) = await owner.CreateOrgAsync();
        var admin = factory.As(ApiFactory.PlatformAdmin);
        await admin.ExpectAsync(admin.PutAsync($"/api/orgs/{org}/plan", new { plan = "business" }), HttpStatusCode.OK);
        var template = (await owner.ExpectAsync(owner.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Web app + PostgreSQL").GetProperty("id").GetString();
        var id = (await owner.ExpectAsync(owner.PostAsync("/api/deployments", new
        {
            teamId = team, name = "shop", templateId = template, values = new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = "pw-123" },
        }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        return (owner, team, id);
    }

    public string LogFile { get; private init; } = "";

    /// <summary>What the process wrote, once it has ended (its output is written out when both streams close).</summary>
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : $"(see {LogFile} once the operator has ended)";

    public void Dispose()
    {
        process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
