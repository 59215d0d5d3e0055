using Prometheus;

namespace CleanScheduler.Metrics;

/// <summary>
/// Process and garbage-collector metrics, shared by the server and the operator (linked into both): prometheus-net's
/// own <see cref="DotNetStats"/> (CPU, working set, handles, threads, collections per generation) and what it leaves
/// out: the resident set, the heap after the last collection, the GC's committed memory, allocations and pause time.
/// </summary>
public static class RuntimeMetrics
{
    public static void Register(CollectorRegistry registry)
    {
        DotNetStats.Register(registry);
        var metrics = Prometheus.Metrics.WithCustomRegistry(registry);
        var resident = metrics.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        var heap = metrics.CreateGauge("dotnet_gc_heap_size_bytes", "Managed heap size after the last garbage collection.");
        var committed = metrics.CreateGauge("dotnet_gc_committed_bytes", "Memory committed by the garbage collector.");
        var allocated = metrics.CreateCounter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.");
        var paused = metrics.CreateCounter("dotnet_gc_pause_seconds_total", "Time the garbage collector paused the process.");
        registry.AddBeforeCollectCallback(() =>
        {
            var gc = GC.GetGCMemoryInfo();
            resident.Set(Environment.WorkingSet);
            // Before the first collection (a Native AOT process may run a while without one) the info is empty: the heap is what was allocated.
            heap.Set(gc.Index == 0 ? GC.GetTotalMemory(false) : gc.HeapSizeBytes);
            committed.Set(gc.TotalCommittedBytes);
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            paused.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
        });
    }
}
