namespace Wharf.Server.Metrics;

/// <summary>
/// Completed transfers, failed transfers and bytes moved for one direction. As in SFTPGo, a
/// failed or interrupted transfer counts as an error, not as a transfer, and the bytes it did
/// move are counted anyway: they crossed the wire.
/// </summary>
internal sealed class TransferCounters
{
    private long _completed;
    private long _errors;
    private long _bytes;

    public void Record(bool succeeded, long bytes)
    {
        Interlocked.Increment(ref succeeded ? ref _completed : ref _errors);
        if (bytes > 0)
        {
            Interlocked.Add(ref _bytes, bytes);
        }
    }

    /// <param name="page">Where to write.</param>
    /// <param name="singular">upload or download, for the metric names.</param>
    /// <param name="plural">uploads or downloads.</param>
    public void WriteTo(ExpositionWriter page, string singular, string plural)
    {
        page.Single($"wharf_{plural}_total", MetricType.Counter, $"Completed {plural} (SFTP and SCP).", Volatile.Read(ref _completed));
        page.Single($"wharf_{singular}_errors_total", MetricType.Counter, $"Failed or interrupted {plural}.", Volatile.Read(ref _errors));
        page.Single($"wharf_{singular}_bytes_total", MetricType.Counter, $"Bytes moved by {plural}, including those of failed ones.", Volatile.Read(ref _bytes));
    }
}
