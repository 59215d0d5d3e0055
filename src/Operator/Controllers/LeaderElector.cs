using System.Globalization;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes the Lease when it is
/// free or when its holder has not renewed for <see cref="LeaseDuration"/> (timed by our own clock from when we last
/// saw the record change, so clock skew between nodes does not matter); the leader renews every
/// <see cref="RetryPeriod"/> and gives up leading when it could not renew for <see cref="RenewDeadline"/>.
/// Writes are PUTs pinned to the resourceVersion read, so of two racing candidates exactly one wins (409 for the other).
/// </summary>
public sealed class LeaderElector(IKubernetesClient client, string @namespace, string name, string identity, ILogger logger)
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On a clean stop, hand the Lease back so that another candidate need not wait for it to expire.</summary>
    public bool ReleaseOnStop { get; init; } = true;

    public string Identity => identity;
    public bool IsLeader { get; private set; }

    /// <summary>The API server has answered this elector at least once.</summary>
    public bool Contacted { get; private set; }

    private string? _observedRecord;
    private DateTime _observedAt;

    /// <summary>Campaigns until stopped; runs <paramref name="lead"/> while leading (cancelled when leadership is lost).</summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await TryAcquireOrRenewAsync(cancellationToken))
            {
                await Delay(RetryPeriod, cancellationToken);
                continue;
            }
            IsLeader = true;
            logger.LogInformation("{Identity} became leader (Lease {Namespace}/{Name})", identity, @namespace, name);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var work = Task.Run(() => lead(leading.Token), CancellationToken.None);
            var lastRenew = DateTime.UtcNow;
            while (!cancellationToken.IsCancellationRequested && !work.IsCompleted)
            {
                await Delay(RetryPeriod, cancellationToken);
                if (cancellationToken.IsCancellationRequested) break;
                if (await TryAcquireOrRenewAsync(cancellationToken)) { lastRenew = DateTime.UtcNow; continue; }
                if (DateTime.UtcNow - lastRenew < RenewDeadline) continue;
                logger.LogWarning("{Identity} could not renew the Lease for {Seconds} s: no longer leader", identity, (int)RenewDeadline.TotalSeconds);
                break;
            }
            IsLeader = false;
            await leading.CancelAsync();
            try { await work; }
            catch (OperationCanceledException) { }
            if (cancellationToken.IsCancellationRequested && ReleaseOnStop) await ReleaseAsync();
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        try
        {
            var lease = await client.GetAsync(KubeResource.Leases, @namespace, name, cancellationToken);
            Contacted = true;
            if (lease is null)
            {
                await client.CreateAsync(KubeResource.Leases, new JsonObject
                {
                    ["apiVersion"] = "coordination.k8s.io/v1",
                    ["kind"] = "Lease",
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace },
                    ["spec"] = Spec(identity, MicroTime(now), now, 0),
                }, cancellationToken);
                Observe(null, now);
                return true;
            }
            var spec = lease["spec"] as JsonObject ?? [];
            var holder = (string?)spec["holderIdentity"] ?? "";
            var record = spec.ToJsonString();
            if (record != _observedRecord) Observe(record, now);
            if (holder.Length > 0 && holder != identity && now < _observedAt + LeaseDuration) return false; // held by a live leader

            var transitions = (int?)spec["leaseTransitions"] ?? 0;
            var acquired = holder == identity && spec["acquireTime"] is not null ? (string)spec["acquireTime"]! : MicroTime(now);
            var next = new JsonObject
            {
                ["apiVersion"] = "coordination.k8s.io/v1",
                ["kind"] = "Lease",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name, ["namespace"] = @namespace, ["resourceVersion"] = (string?)lease["metadata"]?["resourceVersion"],
                },
                ["spec"] = Spec(identity, acquired, now, holder == identity ? transitions : transitions + 1),
            };
            var updated = await client.ReplaceAsync(KubeResource.Leases, next, cancellationToken: cancellationToken);
            Observe(updated["spec"]?.ToJsonString(), now);
            return true;
        }
        catch (KubeConflictException)
        {
            return false; // another candidate wrote first
        }
        catch (Exception e) when (e is KubeApiException or KubeUnavailableException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Leader election: {Error}", e.Message);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lease = await client.GetAsync(KubeResource.Leases, @namespace, name, timeout.Token);
            if (lease?["spec"] is not JsonObject spec || (string?)spec["holderIdentity"] != identity) return;
            var now = DateTime.UtcNow;
            spec["holderIdentity"] = "";
            spec["leaseDurationSeconds"] = 1;
            spec["renewTime"] = MicroTime(now);
            await client.ReplaceAsync(KubeResource.Leases, lease, cancellationToken: timeout.Token);
            logger.LogInformation("{Identity} released the Lease", identity);
        }
        catch (Exception e) when (e is KubeApiException or KubeUnavailableException or OperationCanceledException)
        {
            logger.LogWarning("Could not release the Lease: {Error}", e.Message);
        }
    }

    private JsonObject Spec(string holder, string acquireTime, DateTime renewed, int transitions) => new()
    {
        ["holderIdentity"] = holder,
        ["leaseDurationSeconds"] = (int)LeaseDuration.TotalSeconds,
        ["acquireTime"] = acquireTime,
        ["renewTime"] = MicroTime(renewed),
        ["leaseTransitions"] = transitions,
    };

    private void Observe(string? record, DateTime at)
    {
        _observedRecord = record;
        _observedAt = at;
    }

    /// <summary>A Lease's MicroTime: exactly six fractional digits (anything else is refused with 400/422).</summary>
    public static string MicroTime(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try { await Task.Delay(delay, cancellationToken); }
        catch (OperationCanceledException) { }
    }
}
