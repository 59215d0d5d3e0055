using System.Text;
using CleanScheduler.Metrics;
using Prometheus;

namespace CleanScheduler.Operator.Metrics;

/// <summary>
/// The operator's Prometheus metrics (prometheus-net, in a registry of its own): reconciles, their errors and duration by
/// controller, leadership, the work queue's depth, and the process and GC metrics (<see cref="RuntimeMetrics"/>).
/// </summary>
public sealed class OperatorMetrics
{
    private readonly Counter _reconciles;
    private readonly Counter _errors;
    private readonly Histogram _duration;

    public OperatorMetrics()
    {
        var metrics = Prometheus.Metrics.WithCustomRegistry(Registry);
        _reconciles = metrics.CreateCounter("cleanscheduler_reconcile_total", "Reconciles run, by controller.", "controller");
        _errors = metrics.CreateCounter("cleanscheduler_reconcile_errors_total", "Reconciles that failed, by controller.", "controller");
        _duration = metrics.CreateHistogram("cleanscheduler_reconcile_duration_seconds", "Time one reconcile took.", ["controller"],
            new HistogramConfiguration { Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        var leader = metrics.CreateGauge("cleanscheduler_leader", "Whether this instance holds the leader Lease.");
        var depth = metrics.CreateGauge("cleanscheduler_workqueue_depth", "Keys waiting to be reconciled.");
        RuntimeMetrics.Register(Registry);
        Registry.AddBeforeCollectCallback(() =>
        {
            leader.Set(IsLeader() ? 1 : 0);
            depth.Set(QueueDepth());
        });
    }

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();
    public Func<bool> IsLeader { get; set; } = () => false;
    public Func<int> QueueDepth { get; set; } = () => 0;

    public void Observe(string controller, TimeSpan duration, bool error)
    {
        _reconciles.WithLabels(controller).Inc();
        var errors = _errors.WithLabels(controller);   // published at 0 from the first reconcile on
        if (error) errors.Inc();
        _duration.WithLabels(controller).Observe(duration.TotalSeconds);
    }

    public long Total(string controller) => (long)_reconciles.WithLabels(controller).Value;

    public long Errors(string controller) => (long)_errors.WithLabels(controller).Value;

    /// <summary>Writes the metrics in the Prometheus text format (version 0.0.4).</summary>
    public Task WriteAsync(Stream stream, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(stream, cancellationToken);

    public async Task<string> RenderAsync(CancellationToken cancellationToken = default)
    {
        using var text = new MemoryStream();
        await WriteAsync(text, cancellationToken);
        return Encoding.UTF8.GetString(text.ToArray());
    }
}
