using System.Diagnostics;
using System.Globalization;

namespace Wharf.Server.Metrics;

/// <summary>
/// The standard process_* metrics every Prometheus client library exposes (same names, so
/// existing dashboards work). CPU, memory and start time come from <see cref="Process"/>; open
/// and maximum descriptors and the OS thread count from /proc/self, and are left out where
/// there is no /proc.
/// </summary>
internal static class ProcessStats
{
    private static readonly double StartTimeSeconds = StartTime();

    public static void WriteTo(ExpositionWriter page)
    {
        using (var self = Process.GetCurrentProcess())
        {
            page.Single("process_cpu_seconds_total", MetricType.Counter, "Total user and system CPU time spent in seconds.", self.TotalProcessorTime.TotalSeconds);
            page.Single("process_resident_memory_bytes", MetricType.Gauge, "Resident memory size in bytes.", self.WorkingSet64);
            page.Single("process_virtual_memory_bytes", MetricType.Gauge, "Virtual memory size in bytes.", self.VirtualMemorySize64);
        }

        page.Single("process_start_time_seconds", MetricType.Gauge, "Start time of the process since unix epoch in seconds.", StartTimeSeconds);

        if (OpenDescriptors() is { } open)
        {
            page.Single("process_open_fds", MetricType.Gauge, "Number of open file descriptors.", open);
        }

        if (ProcLimit("Max open files") is { } max)
        {
            page.Single("process_max_fds", MetricType.Gauge, "Maximum number of open file descriptors (soft limit).", max);
        }

        if (ProcStatusField("Threads:") is { } threads)
        {
            page.Single("process_num_threads", MetricType.Gauge, "Number of OS threads in the process.", threads);
        }
    }

    private static double StartTime()
    {
        using var self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    private static long? OpenDescriptors()
    {
        try
        {
            // The enumeration's own descriptor is counted too, as in the Go client.
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The soft limit of a /proc/self/limits row ("Max open files  1024  1048576  files"); null when unlimited or unreadable.</summary>
    internal static long? ProcLimit(string name)
    {
        foreach (var line in ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                var fields = line[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
            }
        }

        return null;
    }

    /// <summary>A numeric field of /proc/self/status ("Threads:\t12").</summary>
    internal static long? ProcStatusField(string name)
    {
        foreach (var line in ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.TryParse(line.AsSpan(name.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;
            }
        }

        return null;
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
