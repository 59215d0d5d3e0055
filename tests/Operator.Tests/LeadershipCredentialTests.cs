using CleanScheduler.Kubernetes;
using CleanScheduler.Operator.Controllers;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleanScheduler.Operator.Tests;

/// <summary>
/// A cloud's exec credential plugin that fails for a while (an IAM hiccup) is an unreachable API server to the leader
/// election: the term may end, but the candidate campaigns again and leads once the plugin works, instead of the
/// election ending for good while the probes stay green.
/// </summary>
public sealed class LeadershipCredentialTests
{
    [Fact]
    public async Task A_failing_credential_plugin_ends_a_term_at_most_and_the_candidate_leads_again_once_it_works()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        api.RequiredToken = "exec-token";
        using (var admin = KubeClient.For(api.Address, token: "exec-token"))
            await admin.CreateAsync(KubeResource.Namespaces, new System.Text.Json.Nodes.JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "system" },
            });
        var kubeconfig = Kubeconfig.WriteWithExecPlugin(api.Address, "exec-token");
        var broken = kubeconfig + ".broken";
        // Already expired: the package runs the plugin again before every request; it fails while the marker file exists.
        File.WriteAllText(kubeconfig + ".credential-plugin.sh", $$$"""
            #!/bin/sh
            if [ -e "{{{broken}}}" ]; then echo "token service unavailable" >&2; exit 1; fi
            printf '%s\n' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token","expirationTimestamp":"2020-01-01T00:00:00Z"}}'
            """.ReplaceLineEndings("\n"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            Assert.True(KubernetesConfiguration.TryDiscover(name => name == "KUBECONFIG" ? kubeconfig : null, out var configuration, out var error), error);
            using var client = new KubernetesApiClient(configuration, "test");
            var leadership = new Leadership(client.Api, "system", "leader", "candidate", NullLogger.Instance)
            {
                LeaseDuration = TimeSpan.FromSeconds(3), RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromMilliseconds(200),
            };
            var terms = 0;
            var campaign = leadership.RunAsync(async term => { Interlocked.Increment(ref terms); await Task.Delay(Timeout.Infinite, term).ContinueWith(_ => { }); }, stop.Token);
            await Eventually.TrueAsync(() => leadership.IsLeader, "a leader");

            File.WriteAllText(broken, "");
            await Eventually.TrueAsync(() => !leadership.IsLeader, "the term to end without renewals", TimeSpan.FromSeconds(15));
            await Task.Delay(1000);
            Assert.False(campaign.IsFaulted, campaign.Exception?.ToString());

            File.Delete(broken);
            // A new term: the elector reports leading just before it starts the term's work, so wait for the work.
            await Eventually.TrueAsync(() => Volatile.Read(ref terms) >= 2, "leading again (a second term)", TimeSpan.FromSeconds(15));
            Assert.True(leadership.IsLeader);
            await stop.CancelAsync();
            await campaign;
        }
        finally
        {
            File.Delete(broken);
            Kubeconfig.Delete(kubeconfig);
        }
    }
}
