using System.Net;
using Wharf.Server.Configuration;
using Wharf.Server.Defense;

namespace Wharf.Server.Tests.Defense;

public sealed class RateLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.11");

    [Fact]
    public void A_bucket_holds_burst_tokens_and_refills_at_average_per_period()
    {
        var bucket = new TokenBucket(average: 2, periodMs: 1000, burst: 3, nowMs: 0);
        Assert.True(bucket.TryTake(0, 0, out _));
        Assert.True(bucket.TryTake(0, 0, out _));
        Assert.True(bucket.TryTake(0, 0, out _));
        Assert.False(bucket.TryTake(0, 0, out long wait));
        Assert.Equal(500, wait); // one token every 500 ms
        Assert.False(bucket.TryTake(499, 0, out _));
        Assert.True(bucket.TryTake(500, 0, out _));
        Assert.False(bucket.TryTake(500, 0, out _));
        Assert.Equal(3, bucket.Tokens(100_000), 6); // never more than the burst
    }

    [Fact]
    public void A_take_in_advance_waits_and_the_next_waits_longer()
    {
        var bucket = new TokenBucket(average: 1, periodMs: 1000, burst: 1, nowMs: 0);
        Assert.True(bucket.TryTake(0, 500, out long w0));
        Assert.Equal(0, w0);
        Assert.False(bucket.TryTake(600, 300, out long w1)); // 400 ms away, 300 allowed
        Assert.Equal(400, w1);
        Assert.True(bucket.TryTake(600, 500, out long w2));
        Assert.Equal(400, w2);
        Assert.False(bucket.TryTake(1000, 500, out long w3)); // the advance take is owed: 1000 ms more
        Assert.Equal(1000, w3);
    }

    [Fact]
    public void Sftpgo_max_delay()
    {
        Assert.Equal(500, new RateLimiter(new RateLimiterConfig { Average = 1, Period = 1000 }, 0).MaxDelayMs);
        Assert.Equal(50, new RateLimiter(new RateLimiterConfig { Average = 10, Period = 1000 }, 0).MaxDelayMs);
        Assert.Equal(10_000, new RateLimiter(new RateLimiterConfig { Average = 1, Period = 60_000 }, 0).MaxDelayMs);
    }

    [Fact]
    public void Per_source_connections_are_limited_per_source_and_hits_feed_the_defender()
    {
        var clock = new ManualClock();
        var defender = new MemoryHostDefender(new DefenderOptions { Threshold = 7 }, clock);
        var limiters = new RateLimiters([new RateLimiterConfig { Average = 1, Period = 1000, Burst = 2, Protocols = ["SSH"], GenerateDefenderEvents = true }], defender, time: clock);
        Assert.True(limiters.AllowConnection(A));
        Assert.True(limiters.AllowConnection(A));
        Assert.False(limiters.AllowConnection(A));
        Assert.True(limiters.AllowConnection(B));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiters.AllowConnection(A));
        Assert.False(limiters.AllowConnection(A));
        Assert.False(limiters.AllowConnection(A));
        Assert.Equal(3, limiters.ConnectionsLimited);
        Assert.True(defender.IsBanned(A)); // three hits × score_limit_exceeded 3 ≥ 7
        Assert.False(defender.IsBanned(B));
    }

    [Fact]
    public void Global_limiters_share_one_bucket_and_never_score()
    {
        var clock = new ManualClock();
        var defender = new MemoryHostDefender(new DefenderOptions { Threshold = 4 }, clock);
        var limiters = new RateLimiters([new RateLimiterConfig { Average = 1, Type = 1, Protocols = ["SSH"], GenerateDefenderEvents = true }], defender, time: clock);
        Assert.True(limiters.AllowConnection(A));
        Assert.False(limiters.AllowConnection(B));
        Assert.False(limiters.AllowConnection(B));
        Assert.False(defender.IsBanned(B));
    }

    [Fact]
    public void Disabled_limiters_and_other_protocols_do_nothing_and_safe_sources_pass()
    {
        Assert.True(new RateLimiters([new RateLimiterConfig()], null).IsEmpty); // SFTPGo's default: average 0
        Assert.True(new RateLimiters([new RateLimiterConfig { Average = 1, Protocols = ["FTP", "HTTP"] }], null).IsEmpty);
        var clock = new ManualClock();
        var defender = new MemoryHostDefender(new DefenderOptions { Safelist = AddressSet.Load(null, ["192.0.2.10"]) }, clock);
        var limiters = new RateLimiters([new RateLimiterConfig { Average = 1, Protocols = ["SSH"] }], defender, time: clock);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(limiters.AllowConnection(A));
        }
    }

    [Fact]
    public async Task Login_attempts_wait_for_a_token_up_to_the_max_delay()
    {
        var clock = new ManualClock();
        var limiters = new RateLimiters([new RateLimiterConfig { Average = 1, Period = 1000, Protocols = ["SSH"], AppliesTo = ["login"] }], null, time: clock);
        Assert.True(limiters.AllowConnection(A)); // not a connection limiter
        Assert.True(limiters.AllowConnection(A));
        Assert.True(await limiters.AllowLoginAsync(A, TestContext.Current.CancellationToken)); // a token at once: no wait
        clock.Advance(TimeSpan.FromMilliseconds(600));
        Assert.True(limiters.TryAcquireLogin(A, out long wait)); // the next token is 400 ms away, 500 ms allowed
        Assert.Equal(400, wait);
        Assert.False(limiters.TryAcquireLogin(A, out _)); // that one is owed: the next is 1400 ms away
        Assert.True(limiters.TryAcquireLogin(B, out long other));
        Assert.Equal(0, other);
        Assert.Equal(1, limiters.LoginsLimited);
    }

    [Fact]
    public void Per_source_buckets_stay_between_the_soft_and_hard_limits()
    {
        var limiter = new RateLimiter(new RateLimiterConfig { Average = 1, EntriesSoftLimit = 3, EntriesHardLimit = 5 }, 0);
        for (int i = 0; i < 20; i++)
        {
            limiter.TryTake(Source.From(IPAddress.Parse($"10.0.0.{i}"), 32, 128), i, 0, out _);
            Assert.InRange(limiter.Buckets, 1, 5);
        }
    }
}
