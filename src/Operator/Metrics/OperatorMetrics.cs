using System.Globalization;
using System.Text;

namespace CleanScheduler.Operator.Metrics;

/// <summary>Reconcile counters and a duration histogram, exposed in the Prometheus text format (version 0.0.4).</summary>
public sealed class OperatorMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Counts> _byController = new(StringComparer.Ordinal);

    private sealed class Counts
    {
        public long Total;
        public long Errors;
        public readonly long[] Buckets = new long[OperatorMetrics.Buckets.Length];
        public double Sum;
        public long Count;
    }

    public Func<bool> IsLeader { get; set; } = () => false;
    public Func<int> QueueDepth { get; set; } = () => 0;

    public void Observe(string controller, TimeSpan duration, bool error)
    {
        lock (_gate)
        {
            if (!_byController.TryGetValue(controller, out var counts)) _byController[controller] = counts = new Counts();
            counts.Total++;
            if (error) counts.Errors++;
            var seconds = duration.TotalSeconds;
            for (var i = 0; i < Buckets.Length; i++) if (seconds <= Buckets[i]) counts.Buckets[i]++;
            counts.Sum += seconds;
            counts.Count++;
        }
    }

    public long Total(string controller) { lock (_gate) return _byController.GetValueOrDefault(controller)?.Total ?? 0; }

    public long Errors(string controller) { lock (_gate) return _byController.GetValueOrDefault(controller)?.Errors ?? 0; }

    public string Render()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            text.Append("# HELP cleanscheduler_reconcile_total Reconciles run, by controller.\n# TYPE cleanscheduler_reconcile_total counter\n");
            foreach (var (controller, counts) in _byController)
                text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_reconcile_total{{controller=\"{controller}\"}} {counts.Total}\n");
            text.Append("# HELP cleanscheduler_reconcile_errors_total Reconciles that failed, by controller.\n# TYPE cleanscheduler_reconcile_errors_total counter\n");
            foreach (var (controller, counts) in _byController)
                text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_reconcile_errors_total{{controller=\"{controller}\"}} {counts.Errors}\n");
            text.Append("# HELP cleanscheduler_reconcile_duration_seconds Time one reconcile took.\n# TYPE cleanscheduler_reconcile_duration_seconds histogram\n");
            foreach (var (controller, counts) in _byController)
            {
                for (var i = 0; i < Buckets.Length; i++)
                    text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_reconcile_duration_seconds_bucket{{controller=\"{controller}\",le=\"{Buckets[i]}\"}} {counts.Buckets[i]}\n");
                text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_reconcile_duration_seconds_bucket{{controller=\"{controller}\",le=\"+Inf\"}} {counts.Count}\n");
                text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_reconcile_duration_seconds_sum{{controller=\"{controller}\"}} {counts.Sum}\n");
                text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_reconcile_duration_seconds_count{{controller=\"{controller}\"}} {counts.Count}\n");
            }
        }
        text.Append("# HELP cleanscheduler_leader Whether this instance holds the leader Lease.\n# TYPE cleanscheduler_leader gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_leader {(IsLeader() ? 1 : 0)}\n");
        text.Append("# HELP cleanscheduler_workqueue_depth Keys waiting to be reconciled.\n# TYPE cleanscheduler_workqueue_depth gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"cleanscheduler_workqueue_depth {QueueDepth()}\n");
        var gc = GC.GetGCMemoryInfo();
        text.Append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"process_resident_memory_bytes {Environment.WorkingSet}\n");
        text.Append("# HELP dotnet_gc_heap_size_bytes Managed heap size after the last garbage collection.\n# TYPE dotnet_gc_heap_size_bytes gauge\n");
        // Before the first collection (a Native AOT process may run a while without one) the info is empty: the heap is what was allocated.
        text.Append(CultureInfo.InvariantCulture, $"dotnet_gc_heap_size_bytes {(gc.Index == 0 ? GC.GetTotalMemory(false) : gc.HeapSizeBytes)}\n");
        text.Append("# HELP dotnet_gc_committed_bytes Memory committed by the garbage collector.\n# TYPE dotnet_gc_committed_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"dotnet_gc_committed_bytes {gc.TotalCommittedBytes}\n");
        return text.ToString();
    }
}
