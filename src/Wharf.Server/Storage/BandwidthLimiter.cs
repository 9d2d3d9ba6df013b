using System.Diagnostics;

namespace Wharf.Server.Storage;

/// <summary>
/// Paces a stream of bytes to a rate (KiB/s, as SFTPGo's "KB/s" means 1024 bytes): each chunk is
/// scheduled after the ones before it, and the caller waits until its chunk's start time. Idle
/// time is not saved up beyond a short burst, so a long pause does not allow a flood afterwards.
/// </summary>
public sealed class BandwidthLimiter
{
    private readonly double _bytesPerTick;
    private readonly long _burstTicks;
    private readonly object _lock = new();
    private long _next;

    /// <summary>Limits to <paramref name="kibPerSecond"/> KiB/s (must be positive).</summary>
    public BandwidthLimiter(long kibPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kibPerSecond);
        _bytesPerTick = kibPerSecond * 1024.0 / Stopwatch.Frequency;
        _burstTicks = Stopwatch.Frequency / 10;
        _next = Stopwatch.GetTimestamp();
    }

    /// <summary>Waits until <paramref name="bytes"/> may pass.</summary>
    public Task WaitAsync(int bytes, CancellationToken ct)
    {
        long wait;
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            if (_next < now - _burstTicks)
            {
                _next = now - _burstTicks;
            }

            wait = _next - now;
            _next += (long)(bytes / _bytesPerTick);
        }

        return wait > 0 ? Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct) : Task.CompletedTask;
    }
}
