using System.Net;
using Wharf.Server.Configuration;
using Wharf.Server.Logging;

namespace Wharf.Server.Defense;

/// <summary>
/// A token bucket: <c>burst</c> tokens at most, refilled at <c>average</c> per <c>period</c>.
/// <see cref="TryTake"/> takes one token now, or — when one will be there within the wait
/// allowed — takes it in advance and says how long to wait (the bucket goes below zero, as
/// golang.org/x/time/rate's reservations do). Time comes from the caller (milliseconds).
/// </summary>
public sealed class TokenBucket
{
    private readonly object _lock = new();
    private readonly double _perMs;
    private readonly int _burst;
    private double _tokens;
    private long _lastMs;

    public TokenBucket(int average, int periodMs, int burst, long nowMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(average, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(periodMs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _perMs = (double)average / periodMs;
        _burst = burst;
        _tokens = burst;
        _lastMs = nowMs;
        LastUsedMs = nowMs;
    }

    /// <summary>When a token was last asked for.</summary>
    public long LastUsedMs { get; private set; }

    /// <summary>Tokens now (may be negative after advance takes).</summary>
    public double Tokens(long nowMs)
    {
        lock (_lock)
        {
            Refill(nowMs);
            return _tokens;
        }
    }

    /// <summary>Takes a token; <paramref name="waitMs"/> is how long to wait before using it (or, on false, how long until one would be there).</summary>
    public bool TryTake(long nowMs, long maxWaitMs, out long waitMs)
    {
        lock (_lock)
        {
            Refill(nowMs);
            LastUsedMs = nowMs;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                waitMs = 0;
                return true;
            }

            waitMs = (long)Math.Ceiling((1 - _tokens) / _perMs);
            if (waitMs <= maxWaitMs)
            {
                _tokens -= 1;
                return true;
            }

            return false;
        }
    }

    private void Refill(long nowMs)
    {
        if (nowMs > _lastMs)
        {
            _tokens = Math.Min(_burst, _tokens + ((nowMs - _lastMs) * _perMs));
            _lastMs = nowMs;
        }
    }
}

/// <summary>One common.rate_limiters item: a global bucket, or a bucket per source kept between the soft and hard limits.</summary>
public sealed class RateLimiter
{
    private readonly RateLimiterConfig _config;
    private readonly TokenBucket? _global;
    private readonly Dictionary<Source, TokenBucket> _buckets = [];

    public RateLimiter(RateLimiterConfig config, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        if (config.Type == 1)
        {
            _global = new TokenBucket(config.Average, config.Period, config.Burst, nowMs);
        }

        // SFTPGo's longest wait: half the period below one event a second, else half the time between events; at most 10 s.
        double perSecond = config.Average * 1000.0 / config.Period;
        MaxDelayMs = Math.Min(10_000, perSecond < 1 ? config.Period / 2 : (long)(1000 / (Math.Floor(perSecond) * 2)));
    }

    /// <summary>Whether it has a bucket per source (type 2).</summary>
    public bool PerSource => _global is null;

    /// <summary>Whether a hit scores score_limit_exceeded (per-source limiters only, as in SFTPGo).</summary>
    public bool GeneratesDefenderEvents => PerSource && _config.GenerateDefenderEvents;

    /// <summary>The longest a login attempt waits for a token before it is refused.</summary>
    public long MaxDelayMs { get; }

    /// <summary>Per-source buckets kept now (tests).</summary>
    internal int Buckets
    {
        get
        {
            lock (_buckets)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>Takes a token for <paramref name="source"/> (see <see cref="TokenBucket.TryTake"/>).</summary>
    public bool TryTake(Source source, long nowMs, long maxWaitMs, out long waitMs)
    {
        if (_global is not null)
        {
            return _global.TryTake(nowMs, maxWaitMs, out waitMs);
        }

        TokenBucket? bucket;
        lock (_buckets)
        {
            if (!_buckets.TryGetValue(source, out bucket))
            {
                if (_buckets.Count >= _config.EntriesHardLimit)
                {
                    foreach (var (key, _) in _buckets.OrderBy(b => b.Value.LastUsedMs).Take(_buckets.Count - _config.EntriesSoftLimit).ToList())
                    {
                        _buckets.Remove(key);
                    }
                }

                _buckets[source] = bucket = new TokenBucket(_config.Average, _config.Period, _config.Burst, nowMs);
            }
        }

        return bucket.TryTake(nowMs, maxWaitMs, out waitMs);
    }
}

/// <summary>
/// The rate limiters of common.rate_limiters that apply to SSH: those for new connections
/// (checked on the accept path, never waiting: no token, the socket is closed) and those for
/// login attempts (an attempt waits for a token up to the limiter's longest delay, as SFTPGo's
/// limiter does, and fails at once beyond it, before any password is checked). Safe-listed
/// sources are never limited. A per-source limiter with generate_defender_events scores
/// score_limit_exceeded on every hit.
/// </summary>
public sealed class RateLimiters
{
    private readonly RateLimiter[] _connect;
    private readonly RateLimiter[] _login;
    private readonly HostDefender? _defender;
    private readonly TimeProvider _time;
    private readonly JsonLineLog? _log;
    private readonly int _ipv4Netblock;
    private readonly int _ipv6Netblock;
    private readonly AggregatedLog _hitLog;
    private long _connectLimited;
    private long _loginLimited;

    public RateLimiters(IEnumerable<RateLimiterConfig> configs, HostDefender? defender, int ipv4Netblock = 32, int ipv6Netblock = 128, TimeProvider? time = null, JsonLineLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(configs);
        _time = time ?? TimeProvider.System;
        _defender = defender;
        _log = log;
        _ipv4Netblock = defender?.Options.Ipv4Netblock ?? ipv4Netblock;
        _ipv6Netblock = defender?.Options.Ipv6Netblock ?? ipv6Netblock;
        _hitLog = new AggregatedLog(_time, TimeSpan.FromMinutes(1));
        long now = NowMs;
        var ssh = configs.Where(IsActive).ToList();
        _connect = [.. ssh.Where(c => c.AppliesTo.Contains("connect", StringComparer.OrdinalIgnoreCase)).Select(c => new RateLimiter(c, now))];
        _login = [.. ssh.Where(c => c.AppliesTo.Contains("login", StringComparer.OrdinalIgnoreCase)).Select(c => new RateLimiter(c, now))];
    }

    /// <summary>A limiter that does something for SSH: average &gt; 0 and SSH among its protocols.</summary>
    public static bool IsActive(RateLimiterConfig config) =>
        config is not null && config.Average > 0 && config.Protocols.Contains("SSH", StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether any limiter applies to connections or logins.</summary>
    public bool IsEmpty => _connect.Length == 0 && _login.Length == 0;

    /// <summary>Connections closed by a connection limiter.</summary>
    public long ConnectionsLimited => Interlocked.Read(ref _connectLimited);

    /// <summary>Login attempts refused by a login limiter.</summary>
    public long LoginsLimited => Interlocked.Read(ref _loginLimited);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Whether a new connection from <paramref name="address"/> may go on (no waiting).</summary>
    public bool AllowConnection(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_connect.Length == 0 || _defender?.IsSafe(address) == true)
        {
            return true;
        }

        var source = Source.From(address, _ipv4Netblock, _ipv6Netblock);
        long now = NowMs;
        foreach (var limiter in _connect)
        {
            if (!limiter.TryTake(source, now, 0, out _))
            {
                Hit(limiter, address, "connect", ref _connectLimited);
                return false;
            }
        }

        return true;
    }

    /// <summary>Waits for a login token for <paramref name="address"/>; false when the wait would be longer than allowed.</summary>
    public async Task<bool> AllowLoginAsync(IPAddress address, CancellationToken cancellationToken = default)
    {
        if (!TryAcquireLogin(address, out long waitMs))
        {
            return false;
        }

        if (waitMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(waitMs), _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Takes the login tokens of every login limiter: false (counted) when one is refused, else how long to wait first.</summary>
    internal bool TryAcquireLogin(IPAddress address, out long waitMs)
    {
        ArgumentNullException.ThrowIfNull(address);
        waitMs = 0;
        if (_login.Length == 0 || _defender?.IsSafe(address) == true)
        {
            return true;
        }

        var source = Source.From(address, _ipv4Netblock, _ipv6Netblock);
        long now = NowMs;
        foreach (var limiter in _login)
        {
            if (!limiter.TryTake(source, now, limiter.MaxDelayMs, out long w))
            {
                Hit(limiter, address, "login", ref _loginLimited);
                return false;
            }

            waitMs = Math.Max(waitMs, w);
        }

        return true;
    }

    private void Hit(RateLimiter limiter, IPAddress address, string kind, ref long counter)
    {
        Interlocked.Increment(ref counter);
        if (limiter.GeneratesDefenderEvents)
        {
            _defender?.AddEvent(address, HostEvent.LimitExceeded);
        }

        if (_hitLog.Hit() is { } count)
        {
            _log?.Write("info", "ratelimiter", $"rate limit exceeded {count} times since the last report (latest: {kind} from {address})", new Dictionary<string, object?>
            {
                ["client_ip"] = address.ToString(),
                ["limited"] = kind,
                ["hits"] = count,
            });
        }
    }
}
