using System.Diagnostics;
using CleanScheduler.Kubernetes;
using CleanScheduler.Operator.Controllers;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

public sealed class LeaderElectionTests : IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Of_two_instances_only_the_leader_reconciles_and_the_other_takes_over_within_20_seconds_of_the_last_renewal()
    {
        _h.Api.AutoReadyDeployments = true;
        var a = _h.StartOperator(Settings(leaderElect: true, identity: "operator-a"), releaseLease: false);
        var b = _h.StartOperator(Settings(leaderElect: true, identity: "operator-b"), releaseLease: false);
        await Eventually.TrueAsync(() => a.Runtime.Elector?.IsLeader == true || b.Runtime.Elector?.IsLeader == true, "a leader");
        var (leader, follower) = a.Runtime.Elector!.IsLeader ? (a, b) : (b, a);

        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("first"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("first")) == "Running" ? "" : null, "first Running");
        // A reconcile is counted once it returns, just after its status write: the phase can be seen a moment before.
        await Eventually.TrueAsync(() => leader.Metrics.Total(UserDeploymentController.Name) > 0, "the leader's reconcile counted");
        Assert.Equal(0, follower.Metrics.Total(UserDeploymentController.Name));
        Assert.False(follower.Runtime.Elector!.IsLeader);
        var lease = _h.Api.Get("coordination.k8s.io/v1", "leases", Namespace, "cleanscheduler-operator-leader")!;
        Assert.Equal(leader.Runtime.Elector!.Identity, (string?)lease["spec"]!["holderIdentity"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", (string)lease["spec"]!["renewTime"]!);

        await leader.Stop.CancelAsync(); // stops renewing, and does not hand the Lease back (as if killed)
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => follower.Runtime.Elector.IsLeader, "the follower to take over", TimeSpan.FromSeconds(25));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took over after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(10), $"took over after only {clock.Elapsed.TotalSeconds:0.0} s, before the lease expired");

        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("second"));
        await Eventually.WaitAsync(() => Phase(_h.Resource("second")) == "Running" ? "" : null, "second Running");
        await Eventually.TrueAsync(() => follower.Metrics.Total(UserDeploymentController.Name) > 0, "the new leader's reconcile counted");
        var taken = _h.Api.Get("coordination.k8s.io/v1", "leases", Namespace, "cleanscheduler-operator-leader")!;
        Assert.Equal(follower.Runtime.Elector.Identity, (string?)taken["spec"]!["holderIdentity"]);
        Assert.Equal(1, (int?)taken["spec"]!["leaseTransitions"]);
    }

    [Fact]
    public async Task A_leader_that_stops_cleanly_hands_the_lease_back_at_once()
    {
        var a = _h.StartOperator(Settings(leaderElect: true, identity: "operator-a"));
        await Eventually.TrueAsync(() => a.Runtime.Elector?.IsLeader == true, "a to lead");
        var b = _h.StartOperator(Settings(leaderElect: true, identity: "operator-b"));
        await Eventually.TrueAsync(() => b.Runtime.Elector is not null, "b to campaign");
        await Task.Delay(500);
        Assert.False(b.Runtime.Elector!.IsLeader);

        await a.Stop.CancelAsync();
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => b.Runtime.Elector.IsLeader, "b to take over", TimeSpan.FromSeconds(25));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_leader_keeps_leading_through_an_outage_shorter_than_the_renew_deadline_and_stops_after_a_longer_one()
    {
        var a = _h.StartOperator(Settings(leaderElect: true, identity: "operator-a"));
        await Eventually.TrueAsync(() => a.Runtime.Elector?.IsLeader == true, "a to lead");

        _h.Api.Available = false;   // every connection dropped, as an API server restart would
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(5))
        {
            Assert.True(a.Runtime.Elector!.IsLeader, $"gave up leading after {outage.Elapsed.TotalSeconds:0.0} s of outage");
            await Task.Delay(100);
        }
        _h.Api.Available = true;
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(a.Runtime.Elector!.IsLeader);

        _h.Api.Available = false;
        outage.Restart();
        await Eventually.TrueAsync(() => !a.Runtime.Elector.IsLeader, "a to stop leading", TimeSpan.FromSeconds(20));
        Assert.True(outage.Elapsed > TimeSpan.FromSeconds(8), $"stopped leading after only {outage.Elapsed.TotalSeconds:0.0} s");
        _h.Api.Available = true;
    }
}
