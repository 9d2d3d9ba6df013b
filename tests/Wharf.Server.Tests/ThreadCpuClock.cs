using System.Runtime.InteropServices;

namespace Wharf.Server.Tests;

/// <summary>
/// CPU time consumed by the calling thread (Linux CLOCK_THREAD_CPUTIME_ID). The timing tests compare
/// the work two password checks do; wall-clock time also counts the time the thread waited for a
/// core, which other test processes on a 2-core CI machine decide (a CI run saw 0.35 and 1.9 for a
/// true ratio near 1.0). The checks run synchronously on the caller, so its CPU time is their cost.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out Timespec value);

    /// <summary>The calling thread's CPU time so far, in milliseconds.</summary>
    public static double NowMilliseconds()
    {
        if (clock_gettime(ClockThreadCpuTimeId, out var t) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return t.Seconds * 1000.0 + t.Nanoseconds / 1_000_000.0;
    }

    /// <summary>Runs <paramref name="action"/> and returns the CPU milliseconds it took on this thread.</summary>
    public static double Measure(Action action)
    {
        double start = NowMilliseconds();
        action();
        return NowMilliseconds() - start;
    }
}
