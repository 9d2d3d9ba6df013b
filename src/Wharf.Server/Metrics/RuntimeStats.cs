using System.Globalization;

namespace Wharf.Server.Metrics;

/// <summary>
/// .NET runtime figures under the dotnet_ prefix (the counterpart of the go_ family SFTPGo
/// exposes): garbage collections, heap, allocation, GC pauses and the thread pool. All of them
/// are cheap reads of counters the runtime keeps anyway.
/// </summary>
internal static class RuntimeStats
{
    public static void WriteTo(ExpositionWriter page)
    {
        page.Family("dotnet_gc_collections_total", MetricType.Counter,
            "Garbage collections per generation; a collection of a generation also counts for the younger ones.");
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            page.Sample(GC.CollectionCount(generation), ("generation", generation.ToString(CultureInfo.InvariantCulture)));
        }

        page.Single("dotnet_gc_heap_size_bytes", MetricType.Gauge, "Bytes currently thought to be allocated on the managed heap.", GC.GetTotalMemory(forceFullCollection: false));
        page.Single("dotnet_gc_committed_bytes", MetricType.Gauge, "Memory committed by the garbage collector at the last collection, in bytes.", GC.GetGCMemoryInfo().TotalCommittedBytes);
        page.Single("dotnet_gc_allocated_bytes_total", MetricType.Counter, "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes(precise: false));
        page.Single("dotnet_gc_pause_seconds_total", MetricType.Counter, "Time the runtime was paused for garbage collection, in seconds.", GC.GetTotalPauseDuration().TotalSeconds);
        page.Single("dotnet_threadpool_threads", MetricType.Gauge, "Thread pool threads that currently exist.", ThreadPool.ThreadCount);
        page.Single("dotnet_threadpool_queue_length", MetricType.Gauge, "Work items queued to the thread pool and not yet started.", ThreadPool.PendingWorkItemCount);
        page.Single("dotnet_threadpool_completed_items_total", MetricType.Counter, "Work items the thread pool has completed.", ThreadPool.CompletedWorkItemCount);
    }
}
