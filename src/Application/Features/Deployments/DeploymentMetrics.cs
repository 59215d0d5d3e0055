using System.Diagnostics.Metrics;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// Deployments created since the process started, by the organization's tier: a System.Diagnostics.Metrics counter
/// (<c>cleanscheduler.deployments.created</c>, tag <c>tier</c>) for an exporter, and readable here for the server's own
/// Prometheus listener and for tests.
/// </summary>
public sealed class DeploymentMetrics : IDisposable
{
    public const string MeterName = "CleanScheduler.Deployments";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _created;
    private readonly long[] _counts = new long[Enum.GetValues<Tier>().Length];

    public DeploymentMetrics() =>
        _created = _meter.CreateCounter<long>("cleanscheduler.deployments.created", unit: "{deployment}", description: "Deployments created, by tier");

    public void Created(Tier tier)
    {
        Interlocked.Increment(ref _counts[(int)tier]);
        _created.Add(1, new KeyValuePair<string, object?>("tier", tier.ToCode()));
    }

    public long CreatedCount(Tier tier) => Interlocked.Read(ref _counts[(int)tier]);

    public void Dispose() => _meter.Dispose();
}
