using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease by the package's <see cref="LeaderElector"/> and
/// <see cref="LeaseLock"/>: this instance campaigns until stopped and runs the controllers while it leads. Leadership
/// ends when a renewal fails or does not succeed within <see cref="RenewDeadline"/>, or when the controllers end;
/// the controllers are then cancelled and this instance campaigns again. On a clean stop the leader hands the Lease
/// back (an empty holder), so that another candidate need not wait for it to expire.
/// </summary>
public sealed class Leadership(IKubernetes api, string @namespace, string name, string identity, ILogger logger)
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On a clean stop, hand the Lease back.</summary>
    public bool ReleaseOnStop { get; init; } = true;

    public string Identity => identity;

    /// <summary>Between the elector's "started leading" and "stopped leading".</summary>
    public bool IsLeader { get; private set; }

    /// <summary>The API server has answered this candidate at least once.</summary>
    public bool Contacted { get; private set; }

    /// <summary>Campaigns until stopped; runs <paramref name="lead"/> while leading (cancelled when leadership is lost).</summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        var lease = new ObservedLock(new LeaseLock(api, @namespace, name, identity), this, logger);
        while (!cancellationToken.IsCancellationRequested)
        {
            using var term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task? work = null;
            using var elector = new LeaderElector(new LeaderElectionConfig(lease)
            {
                LeaseDuration = LeaseDuration, RenewDeadline = RenewDeadline, RetryPeriod = RetryPeriod,
            });
            elector.OnStartedLeading += () =>
            {
                IsLeader = true;
                logger.LogInformation("{Identity} became leader (Lease {Namespace}/{Name})", identity, @namespace, name);
                // Controllers that end by themselves end this term too: campaign again rather than lead doing nothing.
                work = Task.Run(() => lead(leading.Token), CancellationToken.None).ContinueWith(t => { term.Cancel(); return t; }, TaskScheduler.Default).Unwrap();
            };
            elector.OnStoppedLeading += () => { IsLeader = false; leading.Cancel(); };
            elector.OnError += e => logger.LogWarning("Leader election: {Error}", e.Message);
            try
            {
                await elector.RunUntilLeadershipLostAsync(term.Token);
            }
            catch (OperationCanceledException) when (term.IsCancellationRequested) { }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The package lets an unreachable server, a request timeout or failing credentials out of its campaign: try again.
                logger.LogWarning("Leader election: {Error}", e.Message);
                await Delay(RetryPeriod, cancellationToken);
            }
            var led = work is not null;
            IsLeader = false;
            await leading.CancelAsync();
            if (work is not null)
            {
                try { await work; }
                catch (OperationCanceledException) { }
                logger.LogWarning("{Identity} is no longer leader", identity);
            }
            if (led && cancellationToken.IsCancellationRequested && ReleaseOnStop) await ReleaseAsync(lease);
        }
    }

    private async Task ReleaseAsync(ILock lease)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var record = await lease.GetAsync(timeout.Token);
            if (record?.HolderIdentity != identity) return;
            var released = await lease.UpdateAsync(new LeaderElectionRecord
            {
                HolderIdentity = "", LeaseDurationSeconds = 1, AcquireTime = record.AcquireTime, RenewTime = DateTime.UtcNow,
                LeaderTransitions = record.LeaderTransitions,
            }, timeout.Token);
            if (released) logger.LogInformation("{Identity} released the Lease", identity);
            else logger.LogWarning("Could not release the Lease: it changed meanwhile");
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException)
        {
            logger.LogWarning("Could not release the Lease: {Error}", e.Message);
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try { await Task.Delay(delay, cancellationToken); }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// The Lease lock, noting that the API server answered (readiness of a candidate that does not lead). An unreachable
    /// server makes an attempt fail rather than throw, as a refusal does: the package's elector lets an exception end
    /// leadership at once, where client-go (and we) keep leading until <see cref="RenewDeadline"/> has passed without a renewal.
    /// </summary>
    private sealed class ObservedLock(ILock inner, Leadership owner, ILogger logger) : ILock
    {
        public string Identity => inner.Identity;

        public async Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var record = await inner.GetAsync(cancellationToken);
                owner.Contacted = true;
                return record;
            }
            catch (HttpOperationException)
            {
                owner.Contacted = true;   // an answer, if a refusal (404 before the Lease exists)
                throw;
            }
            catch (Exception e) when (Kubernetes.KubernetesApiClient.IsUnavailable(e, cancellationToken))
            {
                logger.LogWarning("Leader election: {Error}", e.Message);
                return null!;   // no record: the elector tries to create the Lease, which fails the same way (or 409 once it answers)
            }
        }

        public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
        {
            try { return await inner.CreateAsync(record, cancellationToken); }
            catch (Exception e) when (Kubernetes.KubernetesApiClient.IsUnavailable(e, cancellationToken)) { return false; }
        }

        public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
        {
            try { return await inner.UpdateAsync(record, cancellationToken); }
            catch (Exception e) when (Kubernetes.KubernetesApiClient.IsUnavailable(e, cancellationToken)) { return false; }
        }

        public string Describe() => inner.Describe();
    }
}
