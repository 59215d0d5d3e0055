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
        _ = started.StandardOutput.ReadToEndAsync();
        _ = started.StandardError.ReadToEndAsync();
        return new OperatorProcess(started);
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

    public void Dispose()
    {
        process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
