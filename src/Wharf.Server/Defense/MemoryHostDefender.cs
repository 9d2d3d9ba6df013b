using Wharf.Server.Logging;

namespace Wharf.Server.Defense;

/// <summary>
/// The memory driver: scores and bans of this process only. Sources tracked are kept between
/// entries_soft_limit and entries_hard_limit (the least recently active dropped first); bans
/// likewise (expired ones first, then those ending soonest).
/// </summary>
public sealed class MemoryHostDefender : HostDefender
{
    private readonly object _lock = new();
    private readonly Dictionary<Source, List<(long Ms, int Score)>> _hosts = [];

    public MemoryHostDefender(DefenderOptions options, TimeProvider? time = null, JsonLineLog? log = null)
        : base(options, time, log)
    {
    }

    /// <inheritdoc/>
    public override string Driver => "memory";

    /// <summary>Sources with events being tracked (not counting bans), for tests.</summary>
    internal int TrackedHosts
    {
        get
        {
            lock (_lock)
            {
                return _hosts.Count;
            }
        }
    }

    /// <summary>Entries in the ban table, active or remembered, for tests.</summary>
    internal int BanEntries => Bans.Count;

    private protected override void AddScore(Source source, int score, HostEvent e)
    {
        long now = NowMs;
        long windowStart = now - (long)Options.ObservationTime.TotalMilliseconds;
        lock (_lock)
        {
            Bans.TryGetValue(source, out var previous);
            if (previous is not null && previous.UntilMs > now)
            {
                return; // already banned: nothing to add (SFTPGo)
            }

            bool added = false;
            if (!_hosts.TryGetValue(source, out var events))
            {
                _hosts[source] = events = [];
                added = true;
            }

            events.RemoveAll(ev => ev.Ms <= windowStart);
            events.Add((now, score));
            if (added)
            {
                TrimHosts();
            }

            int total = 0;
            foreach (var ev in events)
            {
                total += ev.Score;
            }

            if (total < Options.Threshold)
            {
                return;
            }

            int offences = (previous is not null && previous.UntilMs + (long)Options.OffenceMemory.TotalMilliseconds > now ? previous.Offences : 0) + 1;
            long until = Math.Min(now + (long)Options.BanDuration(offences).TotalMilliseconds, CapMs(now));
            Bans[source] = new Ban(until, offences);
            _hosts.Remove(source);
            TrimBans(now);
            Banned(source, total, e, until, offences, now);
        }
    }

    private void TrimHosts()
    {
        if (_hosts.Count <= Options.EntriesHardLimit)
        {
            return;
        }

        foreach (var (key, _) in _hosts.OrderBy(h => h.Value.Count == 0 ? 0 : h.Value[^1].Ms).Take(_hosts.Count - Options.EntriesSoftLimit).ToList())
        {
            _hosts.Remove(key);
        }
    }

    private void TrimBans(long now)
    {
        if (Bans.Count <= Options.EntriesHardLimit)
        {
            return;
        }

        long memory = (long)Options.OffenceMemory.TotalMilliseconds;
        foreach (var (key, ban) in Bans)
        {
            if (ban.UntilMs + memory <= now)
            {
                Bans.TryRemove(key, out _);
            }
        }

        int excess = Bans.Count - Options.EntriesSoftLimit;
        if (excess <= 0)
        {
            return;
        }

        // Expired (remembered) entries go before active bans, and among each the oldest first.
        foreach (var (key, _) in Bans.OrderBy(b => b.Value.UntilMs > now ? 1 : 0).ThenBy(b => b.Value.UntilMs).Take(excess).ToList())
        {
            Bans.TryRemove(key, out _);
        }
    }

    /// <inheritdoc/>
    public override Task<IReadOnlyList<DefenderEntry>> GetHostsAsync(CancellationToken cancellationToken = default)
    {
        long now = NowMs;
        var result = new List<DefenderEntry>();
        lock (_lock)
        {
            foreach (var (source, ban) in Bans)
            {
                if (ban.UntilMs > now)
                {
                    result.Add(new DefenderEntry(source, 0, DateTimeOffset.FromUnixTimeMilliseconds(ban.UntilMs), ban.Offences));
                }
            }

            foreach (var source in _hosts.Keys)
            {
                if (Entry(source, now) is { BanUntil: null } entry)
                {
                    result.Add(entry);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<DefenderEntry>>([.. result.Take(Options.EntriesHardLimit)]);
    }

    /// <inheritdoc/>
    public override Task<DefenderEntry?> GetHostAsync(Source source, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(Entry(source, NowMs));
        }
    }

    private DefenderEntry? Entry(Source source, long now)
    {
        long windowStart = now - (long)Options.ObservationTime.TotalMilliseconds;
        int score = _hosts.TryGetValue(source, out var events) ? events.Where(e => e.Ms > windowStart).Sum(e => e.Score) : 0;
        Bans.TryGetValue(source, out var ban);
        bool banned = ban is not null && ban.UntilMs > now;
        if (!banned && score == 0)
        {
            return null;
        }

        return new DefenderEntry(source, score, banned ? DateTimeOffset.FromUnixTimeMilliseconds(ban!.UntilMs) : null, ban?.Offences ?? 0);
    }

    /// <inheritdoc/>
    public override Task<bool> DeleteHostAsync(Source source, CancellationToken cancellationToken = default)
    {
        bool found;
        lock (_lock)
        {
            found = Entry(source, NowMs) is not null;
            Bans.TryRemove(source, out _);
            _hosts.Remove(source);
        }

        if (found)
        {
            Unbanned(source, "api");
        }

        return Task.FromResult(found);
    }
}
