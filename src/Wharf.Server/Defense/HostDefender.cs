using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Wharf.Server.Logging;

namespace Wharf.Server.Defense;

/// <summary>
/// The defender (common.defender): scores sources for what they do (<see cref="AddEvent"/>),
/// bans those over the threshold within the observation window, and answers
/// <see cref="IsBanned"/> on the accept path from an in-process table — a dictionary lookup on a
/// value-type key, no I/O, no lock, no log line per connection (drops are counted and
/// summarised at most once a minute). <see cref="MemoryHostDefender"/> keeps everything in the
/// process; <see cref="ProviderHostDefender"/> keeps it in the data provider's database, shared
/// by every node on it, and mirrors the bans here.
/// </summary>
public abstract class HostDefender : IAsyncDisposable
{
    private readonly AggregatedLog _dropLog;
    private long _bans;
    private long _dropped;

    private protected HostDefender(DefenderOptions options, TimeProvider? time, JsonLineLog? log)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Time = time ?? TimeProvider.System;
        Log = log;
        _dropLog = new AggregatedLog(Time, TimeSpan.FromMinutes(1));
    }

    /// <summary>The settings.</summary>
    public DefenderOptions Options { get; }

    /// <summary>memory or provider.</summary>
    public abstract string Driver { get; }

    private protected TimeProvider Time { get; }

    private protected JsonLineLog? Log { get; }

    /// <summary>Active and remembered bans by source: the table <see cref="IsBanned"/> reads.</summary>
    private protected ConcurrentDictionary<Source, Ban> Bans { get; } = new();

    /// <summary>Bans made by this process since it started.</summary>
    public long BansTotal => Interlocked.Read(ref _bans);

    /// <summary>Connections from banned or blocked sources closed before the version exchange.</summary>
    public long DroppedConnections => Interlocked.Read(ref _dropped);

    /// <summary>Sources banned now (a scan of the table; for the metrics page).</summary>
    public int BannedHosts
    {
        get
        {
            long now = NowMs;
            int n = 0;
            foreach (var (_, ban) in Bans)
            {
                if (ban.UntilMs > now)
                {
                    n++;
                }
            }

            return n;
        }
    }

    private protected long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The source <paramref name="address"/> counts as.</summary>
    public Source SourceOf(IPAddress address) => Source.From(address, Options.Ipv4Netblock, Options.Ipv6Netblock);

    /// <summary>Reads a source as the REST API names it (an address, or the netblock <c>network/prefix</c>).</summary>
    public bool TryParseSource(string text, out Source source) => Source.TryParse(text, Options.Ipv4Netblock, Options.Ipv6Netblock, out source);

    /// <summary>Whether <paramref name="address"/> is on the safe list (never scored, never banned, not rate limited).</summary>
    public bool IsSafe(IPAddress address) => Options.Safelist.Contains(address);

    /// <summary>
    /// Whether a connection from <paramref name="address"/> must be dropped: on the block list,
    /// or banned (not safe-listed). A banned source that keeps connecting has its ban extended
    /// (SFTPGo's ban_time_increment, up to max_ban_time). Counts the drop.
    /// </summary>
    public bool IsBanned(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        bool drop;
        if (Options.Blocklist.Contains(address))
        {
            drop = !IsSafe(address);
        }
        else if (Bans.IsEmpty)
        {
            return false;
        }
        else
        {
            var source = SourceOf(address);
            drop = Bans.TryGetValue(source, out var ban) && ban.UntilMs > NowMs && !IsSafe(address);
            if (drop)
            {
                Extend(source, ban!);
            }
        }

        if (drop)
        {
            Interlocked.Increment(ref _dropped);
            if (_dropLog.Hit() is { } count)
            {
                Log?.Write("info", "defender", $"dropped {count} connections from banned or blocked sources", new Dictionary<string, object?>
                {
                    ["dropped_connections"] = count,
                    ["banned_hosts"] = BannedHosts,
                });
            }
        }

        return drop;
    }

    /// <summary>Scores <paramref name="e"/> for <paramref name="address"/> (nothing for safe sources and zero scores).</summary>
    public void AddEvent(IPAddress address, HostEvent e)
    {
        ArgumentNullException.ThrowIfNull(address);
        int score = Options.Score(e);
        if (score <= 0 || IsSafe(address))
        {
            return;
        }

        AddScore(SourceOf(address), score, e);
    }

    private protected abstract void AddScore(Source source, int score, HostEvent e);

    /// <summary>A connection from a banned source: push its end out by <see cref="DefenderOptions.Extension"/>, up to the cap.</summary>
    private protected virtual void Extend(Source source, Ban ban) => ban.Extend((long)Options.Extension.TotalMilliseconds, CapMs(NowMs));

    /// <summary>The latest a ban may end, seen from <paramref name="nowMs"/>.</summary>
    private protected long CapMs(long nowMs) => Options.MaxBanTime > TimeSpan.Zero ? nowMs + (long)Options.MaxBanTime.TotalMilliseconds : long.MaxValue;

    /// <summary>Hosts banned or with a score (at most entries_hard_limit).</summary>
    public abstract Task<IReadOnlyList<DefenderEntry>> GetHostsAsync(CancellationToken cancellationToken = default);

    /// <summary>One host if banned or scored, else null.</summary>
    public abstract Task<DefenderEntry?> GetHostAsync(Source source, CancellationToken cancellationToken = default);

    /// <summary>Forgets a host (unbans it, clears its score and offences); false when it was not tracked.</summary>
    public abstract Task<bool> DeleteHostAsync(Source source, CancellationToken cancellationToken = default);

    /// <summary>Writes the ban line and counts the ban.</summary>
    private protected void Banned(Source source, int score, HostEvent e, long untilMs, int offences, long nowMs)
    {
        Interlocked.Increment(ref _bans);
        var until = DateTimeOffset.FromUnixTimeMilliseconds(untilMs);
        Log?.Write("info", "defender", $"host {source} banned until {until.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} (offence {offences}, score {score})", new Dictionary<string, object?>
        {
            ["event"] = "banned",
            ["client_ip"] = source.ToString(),
            ["score"] = score,
            ["last_event"] = e.ToString(),
            ["ban_time"] = until.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["ban_duration_seconds"] = (untilMs - nowMs) / 1000,
            ["offences"] = offences,
            ["driver"] = Driver,
        });
    }

    /// <summary>Writes the unban line.</summary>
    private protected void Unbanned(Source source, string by) =>
        Log?.Write("info", "defender", $"host {source} removed from the defender by {by}", new Dictionary<string, object?>
        {
            ["event"] = "unbanned",
            ["client_ip"] = source.ToString(),
            ["by"] = by,
        });

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>One source's ban: its end (mutable, extended without a lock) and its offence count.</summary>
    private protected sealed class Ban(long untilMs, int offences)
    {
        private long _untilMs = untilMs;

        public long UntilMs => Interlocked.Read(ref _untilMs);

        public int Offences { get; } = offences;

        public void Extend(long byMs, long capMs)
        {
            long current;
            long next;
            do
            {
                current = Interlocked.Read(ref _untilMs);
                next = current + byMs;
                if (next > capMs)
                {
                    next = Math.Max(capMs, current);
                }

            }
            while (Interlocked.CompareExchange(ref _untilMs, next, current) != current);
        }
    }
}

/// <summary>Counts hits and says, at most once per interval, how many there were since the last time.</summary>
internal sealed class AggregatedLog(TimeProvider time, TimeSpan interval)
{
    private long _pending;
    private long _lastTicks = long.MinValue;

    /// <summary>The count to report now, or null when the last report is more recent than the interval.</summary>
    public long? Hit()
    {
        Interlocked.Increment(ref _pending);
        long now = time.GetTimestamp();
        long last = Interlocked.Read(ref _lastTicks);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < interval)
        {
            return null;
        }

        if (Interlocked.CompareExchange(ref _lastTicks, now, last) != last)
        {
            return null;
        }

        return Interlocked.Exchange(ref _pending, 0);
    }
}
