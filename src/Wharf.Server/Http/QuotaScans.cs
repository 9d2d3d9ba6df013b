using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Wharf.Server.Http;

/// <summary>
/// The quota scans running in the background, one per user at most: a second scan of the same
/// user would only race the first, and a quota update meanwhile would be overwritten by it.
/// </summary>
public sealed class QuotaScans
{
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    /// <summary>The scans in progress, oldest first.</summary>
    public IReadOnlyList<QuotaScanStatus> List() =>
        _running.Select(kv => new QuotaScanStatus(kv.Key, kv.Value.StartTime)).OrderBy(s => s.StartTime).ThenBy(s => s.Username, StringComparer.Ordinal).ToList();

    /// <summary>True while a scan of <paramref name="username"/> runs.</summary>
    public bool IsRunning(string username) => _running.ContainsKey(username);

    /// <summary>
    /// Starts <paramref name="scan"/> in the background for <paramref name="username"/>; false when
    /// one is already running. Failures go to <paramref name="onError"/>, never to the caller.
    /// </summary>
    public bool TryStart(string username, Func<Task> scan, Action<Exception> onError)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(onError);
        var running = new Running(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (!_running.TryAdd(username, running))
        {
            return false;
        }

        running.Task = Task.Run(async () =>
        {
            try
            {
                await scan().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                onError(ex);
            }
            finally
            {
                _running.TryRemove(new KeyValuePair<string, Running>(username, running));
            }
        });
        return true;
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for the running scans, at shutdown.</summary>
    public async Task WaitAllAsync(TimeSpan timeout)
    {
        var tasks = _running.Values.Select(r => r.Task).OfType<Task>().ToArray();
        try
        {
            await Task.WhenAll(tasks).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private sealed class Running(long startTime)
    {
        public long StartTime { get; } = startTime;

        public Task? Task { get; set; }
    }
}

/// <summary>A quota scan in progress.</summary>
/// <param name="Username">The user whose home is being scanned.</param>
/// <param name="StartTime">Unix time in milliseconds.</param>
public sealed record QuotaScanStatus(
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("start_time")] long StartTime);
