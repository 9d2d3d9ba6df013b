using System.Collections.Concurrent;
using System.Threading.Channels;
using Wharf.Server.Logging;

namespace Wharf.Server.Defense;

/// <summary>
/// The provider driver: scores and bans in the data provider's database (defender_hosts,
/// defender_events), so every node on one PostgreSQL database bans a source any of them banned.
/// The accept path never waits for the database: it reads a mirror of the active bans, which a
/// background loop refreshes every <see cref="RefreshInterval"/> (and this node's own bans enter
/// at once). Events are written by one background writer from a bounded queue; extensions of
/// bans by dropped connections are summed and written on each refresh.
/// </summary>
public sealed class ProviderHostDefender : HostDefender
{
    private readonly IDefenderStore _store;
    private readonly Channel<(Source Source, int Score, HostEvent Event)> _queue =
        Channel.CreateBounded<(Source, int, HostEvent)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly ConcurrentDictionary<Source, int> _pendingExtensions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sync = new(1, 1);
    private readonly AggregatedLog _errorLog;
    private Task? _writer;
    private Task? _refresher;
    private long _lastCleanupMs;
    private int _inFlight;

    public ProviderHostDefender(IDefenderStore store, DefenderOptions options, TimeProvider? time = null, JsonLineLog? log = null)
        : base(options, time, log)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _errorLog = new AggregatedLog(Time, TimeSpan.FromMinutes(1));
    }

    /// <inheritdoc/>
    public override string Driver => "provider";

    /// <summary>How often the ban mirror is read from the database (default 2 s).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Reads the bans once and starts the background writer and refresher.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        _refresher = Task.Run(RefreshLoopAsync, CancellationToken.None);
    }

    private protected override void AddScore(Source source, int score, HostEvent e)
    {
        if (Bans.TryGetValue(source, out var ban) && ban.UntilMs > NowMs)
        {
            return;
        }

        Interlocked.Increment(ref _inFlight);
        if (!_queue.Writer.TryWrite((source, score, e)))
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private protected override void Extend(Source source, Ban ban)
    {
        base.Extend(source, ban);
        _pendingExtensions.AddOrUpdate(source, 1, (_, n) => n + 1);
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var (source, score, e) in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await RecordAsync(source, score, e, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Failed("cannot record a defender event", ex);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RecordAsync(Source source, int score, HostEvent e, CancellationToken cancellationToken)
    {
        long now = NowMs;
        string ip = source.ToString();
        var row = await _store.AddDefenderEventAsync(ip, score, now, now - (long)Options.ObservationTime.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        if (row.BanUntilMs > now || row.Score < Options.Threshold)
        {
            return;
        }

        bool remembered = row.BanUntilMs > 0 && row.BanUntilMs + (long)Options.OffenceMemory.TotalMilliseconds > now;
        int offences = (remembered ? row.Offences : 0) + 1;
        long until = Math.Min(now + (long)Options.BanDuration(offences).TotalMilliseconds, CapMs(now));
        if (await _store.BanDefenderHostAsync(ip, until, offences, row.Offences, now, cancellationToken).ConfigureAwait(false))
        {
            Bans[source] = new Ban(until, offences);
            Banned(source, row.Score, e, until, offences, now);
        }
        else
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false); // another node banned it first
        }
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(RefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Failed("cannot read the ban list", ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Writes the pending ban extensions, replaces the ban mirror with the database's active bans
    /// (so unbans and bans of other nodes arrive), and cleans old rows up now and then.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _sync.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long now = NowMs;
            foreach (var source in _pendingExtensions.Keys)
            {
                if (_pendingExtensions.TryRemove(source, out int n))
                {
                    await _store.ExtendDefenderBanAsync(source.ToString(), n * (long)Options.Extension.TotalMilliseconds, CapMs(now), now, cancellationToken).ConfigureAwait(false);
                }
            }

            var rows = await _store.ListDefenderBansAsync(now, cancellationToken).ConfigureAwait(false);
            var active = new HashSet<Source>();
            foreach (var row in rows)
            {
                if (TryParseSource(row.Ip, out var source))
                {
                    active.Add(source);
                    Bans[source] = new Ban(row.BanUntilMs, row.Offences);
                }
            }

            foreach (var source in Bans.Keys)
            {
                if (!active.Contains(source))
                {
                    Bans.TryRemove(source, out _);
                }
            }

            // SFTPGo's rhythm: every three observation windows.
            long every = 3 * (long)Options.ObservationTime.TotalMilliseconds;
            if (now - Interlocked.Read(ref _lastCleanupMs) >= every)
            {
                Interlocked.Exchange(ref _lastCleanupMs, now);
                await _store.CleanupDefenderAsync(now - (long)Options.ObservationTime.TotalMilliseconds - 60_000,
                    now - (long)Options.OffenceMemory.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>Waits until every event queued so far is in the database (tests).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (Volatile.Read(ref _inFlight) > 0)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    private long WindowStart(long now) => now - (long)Options.ObservationTime.TotalMilliseconds;

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<DefenderEntry>> GetHostsAsync(CancellationToken cancellationToken = default)
    {
        long now = NowMs;
        var rows = await _store.ListDefenderHostsAsync(now, WindowStart(now), Options.EntriesHardLimit, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => ToEntry(r, now)).OfType<DefenderEntry>()];
    }

    /// <inheritdoc/>
    public override async Task<DefenderEntry?> GetHostAsync(Source source, CancellationToken cancellationToken = default)
    {
        long now = NowMs;
        var row = await _store.GetDefenderHostAsync(source.ToString(), now, WindowStart(now), cancellationToken).ConfigureAwait(false);
        return row is null ? null : ToEntry(row, now);
    }

    private DefenderEntry? ToEntry(DefenderHostRow row, long now) =>
        TryParseSource(row.Ip, out var source)
            ? new DefenderEntry(source, row.BanUntilMs > now ? 0 : row.Score, row.BanUntilMs > now ? DateTimeOffset.FromUnixTimeMilliseconds(row.BanUntilMs) : null, row.Offences)
            : null;

    /// <inheritdoc/>
    public override async Task<bool> DeleteHostAsync(Source source, CancellationToken cancellationToken = default)
    {
        bool tracked = await GetHostAsync(source, cancellationToken).ConfigureAwait(false) is not null;
        _pendingExtensions.TryRemove(source, out _);
        bool deleted = await _store.DeleteDefenderHostAsync(source.ToString(), cancellationToken).ConfigureAwait(false);
        Bans.TryRemove(source, out _);
        if (tracked && deleted)
        {
            Unbanned(source, "api");
        }

        return tracked && deleted;
    }

    private void Failed(string what, Exception ex)
    {
        if (_errorLog.Hit() is { } count)
        {
            Log?.Write("error", "defender", $"{what}: {ex.Message} ({count} errors since the last report)");
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _writer, _refresher })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _stop.Dispose();
        _sync.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
