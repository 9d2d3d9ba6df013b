using System.Net;
using Wharf.Server.Configuration;
using Wharf.Server.Defense;
using Wharf.Server.Logging;

namespace Wharf.Server.Tests.Defense;

public sealed class HostDefenderTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.11");

    private static DefenderOptions Options(int threshold = 15, int soft = 100, int hard = 150, int v4 = 32, int v6 = 128, AddressSet? safe = null, AddressSet? block = null, int maxBanMinutes = 1440) => new()
    {
        Threshold = threshold,
        EntriesSoftLimit = soft,
        EntriesHardLimit = hard,
        Ipv4Netblock = v4,
        Ipv6Netblock = v6,
        Safelist = safe ?? AddressSet.Empty,
        Blocklist = block ?? AddressSet.Empty,
        MaxBanTime = TimeSpan.FromMinutes(maxBanMinutes),
    };

    [Fact]
    public async Task Fifteen_failed_logins_ban_and_unknown_users_count_double()
    {
        var clock = new ManualClock();
        var d = new MemoryHostDefender(Options(), clock);
        for (int i = 0; i < 14; i++)
        {
            d.AddEvent(A, HostEvent.LoginFailed);
        }

        Assert.False(d.IsBanned(A));
        Assert.Equal(14, (await d.GetHostAsync(d.SourceOf(A)))!.Score);
        d.AddEvent(A, HostEvent.LoginFailed);
        Assert.True(d.IsBanned(A));
        Assert.False(d.IsBanned(B));
        Assert.Equal(1, d.BansTotal);

        for (int i = 0; i < 7; i++)
        {
            d.AddEvent(B, HostEvent.UserNotFound);
        }

        Assert.False(d.IsBanned(B)); // 14
        d.AddEvent(B, HostEvent.UserNotFound);
        Assert.True(d.IsBanned(B)); // 16
        Assert.Equal(2, d.BannedHosts);
    }

    [Fact]
    public void Events_older_than_the_observation_time_do_not_count()
    {
        var clock = new ManualClock();
        var d = new MemoryHostDefender(Options(), clock);
        for (int i = 0; i < 14; i++)
        {
            d.AddEvent(A, HostEvent.LoginFailed);
        }

        clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
        d.AddEvent(A, HostEvent.LoginFailed);
        Assert.False(d.IsBanned(A));
    }

    [Fact]
    public void A_ban_ends_after_ban_time_and_connecting_while_banned_extends_it()
    {
        var clock = new ManualClock();
        var d = new MemoryHostDefender(Options(threshold: 3), clock);
        d.AddEvent(A, HostEvent.LimitExceeded); // 3 ≥ 3
        Assert.True(d.IsBanned(A)); // a drop: +15 minutes (50% of 30), ends at 45
        clock.Advance(TimeSpan.FromMinutes(44));
        Assert.True(d.IsBanned(A)); // ends at 60
        clock.Advance(TimeSpan.FromMinutes(15)); // 59
        Assert.True(d.IsBanned(A)); // ends at 75
        clock.Advance(TimeSpan.FromMinutes(16)); // 75
        Assert.False(d.IsBanned(A));
        Assert.Equal(3, d.DroppedConnections);
    }

    [Fact]
    public void Extensions_stop_at_max_ban_time()
    {
        var clock = new ManualClock();
        var d = new MemoryHostDefender(Options(threshold: 3, maxBanMinutes: 40), clock);
        d.AddEvent(A, HostEvent.LimitExceeded);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(d.IsBanned(A));
        }

        clock.Advance(TimeSpan.FromMinutes(40));
        Assert.False(d.IsBanned(A));
    }

    [Fact]
    public async Task Repeat_offences_ban_longer()
    {
        var clock = new ManualClock();
        var d = new MemoryHostDefender(Options(threshold: 3), clock);
        var start = clock.GetUtcNow();
        d.AddEvent(A, HostEvent.LimitExceeded);
        var first = await d.GetHostAsync(d.SourceOf(A));
        Assert.Equal(start.AddMinutes(30), first!.BanUntil);
        Assert.Equal(1, first.Offences);

        clock.Advance(TimeSpan.FromMinutes(31));
        d.AddEvent(A, HostEvent.LimitExceeded);
        var second = await d.GetHostAsync(d.SourceOf(A));
        Assert.Equal(clock.GetUtcNow().AddMinutes(45), second!.BanUntil); // 30 × 1.5
        Assert.Equal(2, second.Offences);
        Assert.Equal(TimeSpan.FromMinutes(67.5), d.Options.BanDuration(3));
        Assert.Equal(TimeSpan.FromMinutes(1440), d.Options.BanDuration(100));

        // Forgiven a day after the ban ended.
        clock.Advance(TimeSpan.FromMinutes(45) + TimeSpan.FromHours(24));
        d.AddEvent(A, HostEvent.LimitExceeded);
        Assert.Equal(1, (await d.GetHostAsync(d.SourceOf(A)))!.Offences);
    }

    [Fact]
    public async Task Unbanning_forgets_the_host()
    {
        var d = new MemoryHostDefender(Options(threshold: 3), new ManualClock());
        d.AddEvent(A, HostEvent.LimitExceeded);
        Assert.True(d.IsBanned(A));
        Assert.True(await d.DeleteHostAsync(d.SourceOf(A)));
        Assert.False(d.IsBanned(A));
        Assert.Null(await d.GetHostAsync(d.SourceOf(A)));
        Assert.False(await d.DeleteHostAsync(d.SourceOf(A)));
        Assert.Empty(await d.GetHostsAsync());
    }

    [Fact]
    public void Netblocks_count_addresses_together_and_mapped_ipv4_is_ipv4()
    {
        var d = new MemoryHostDefender(Options(threshold: 3, v4: 24, v6: 64), new ManualClock());
        d.AddEvent(IPAddress.Parse("198.51.100.1"), HostEvent.LoginFailed);
        d.AddEvent(IPAddress.Parse("::ffff:198.51.100.2"), HostEvent.LoginFailed);
        d.AddEvent(IPAddress.Parse("198.51.100.3"), HostEvent.LoginFailed);
        Assert.True(d.IsBanned(IPAddress.Parse("198.51.100.200")));
        Assert.False(d.IsBanned(IPAddress.Parse("198.51.101.1")));
        Assert.Equal("198.51.100.0/24", d.SourceOf(IPAddress.Parse("198.51.100.9")).ToString());

        d.AddEvent(IPAddress.Parse("2001:db8:1:2::1"), HostEvent.LimitExceeded);
        Assert.True(d.IsBanned(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.False(d.IsBanned(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal("2001:db8:1:2::/64", d.SourceOf(IPAddress.Parse("2001:db8:1:2::5")).ToString());
        Assert.True(d.TryParseSource("2001:db8:1:2::/64", out var parsed));
        Assert.Equal(d.SourceOf(IPAddress.Parse("2001:db8:1:2::5")), parsed);
        Assert.False(d.TryParseSource("2001:db8:1:2::/48", out _));
        Assert.True(d.TryParseSource("198.51.100.77", out var byAddress)); // an address names its netblock
        Assert.Equal("198.51.100.0/24", byAddress.ToString());
    }

    [Fact]
    public void Safe_sources_are_never_scored_and_blocked_sources_always_dropped()
    {
        var safe = AddressSet.Load(null, ["192.0.2.0/28"]);
        var block = AddressSet.Load(null, ["203.0.113.5", "2001:db8::/32"]);
        var d = new MemoryHostDefender(Options(threshold: 3, safe: safe, block: block), new ManualClock());
        for (int i = 0; i < 10; i++)
        {
            d.AddEvent(A, HostEvent.LimitExceeded);
        }

        Assert.False(d.IsBanned(A));
        Assert.Equal(0, d.TrackedHosts);
        Assert.True(d.IsBanned(IPAddress.Parse("203.0.113.5")));
        Assert.True(d.IsBanned(IPAddress.Parse("::ffff:203.0.113.5")));
        Assert.False(d.IsBanned(IPAddress.Parse("203.0.113.6")));
        Assert.True(d.IsBanned(IPAddress.Parse("2001:db8:ff::1")));
        Assert.Equal(4 - 1, d.DroppedConnections);
    }

    [Fact]
    public async Task Tracked_hosts_and_bans_stay_between_the_soft_and_hard_limits()
    {
        var clock = new ManualClock();
        var d = new MemoryHostDefender(Options(threshold: 3, soft: 5, hard: 10), clock);
        for (int i = 0; i < 11; i++)
        {
            d.AddEvent(IPAddress.Parse($"10.0.0.{i}"), HostEvent.LoginFailed);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(d.TrackedHosts, 5, 10);
        // The most recent stay.
        Assert.Equal(1, (await d.GetHostAsync(d.SourceOf(IPAddress.Parse("10.0.0.10"))))!.Score);
        Assert.Null(await d.GetHostAsync(d.SourceOf(IPAddress.Parse("10.0.0.0"))));

        for (int i = 0; i < 11; i++)
        {
            d.AddEvent(IPAddress.Parse($"10.1.0.{i}"), HostEvent.LimitExceeded);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(d.BanEntries, 5, 10);
        Assert.True(d.IsBanned(IPAddress.Parse("10.1.0.10")));
        Assert.False(d.IsBanned(IPAddress.Parse("10.1.0.0"))); // the ban ending soonest went first
    }

    [Fact]
    public async Task Bans_are_logged_with_address_score_duration_and_offences()
    {
        var dir = Directory.CreateTempSubdirectory("wharf-defender-");
        try
        {
            string path = Path.Combine(dir.FullName, "wharf.log");
            using (var log = new JsonLineLog(path, console: false))
            {
                var d = new MemoryHostDefender(Options(threshold: 3), new ManualClock(), log);
                d.AddEvent(A, HostEvent.UserNotFound);
                d.AddEvent(A, HostEvent.UserNotFound);
                Assert.True(d.IsBanned(A));
                Assert.True(d.IsBanned(A));
                Assert.True(await d.DeleteHostAsync(d.SourceOf(A)));
            }

            var lines = File.ReadAllLines(path).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
            var ban = Assert.Single(lines, l => l.TryGetProperty("event", out var e) && e.GetString() == "banned");
            Assert.Equal("defender", ban.GetProperty("sender").GetString());
            Assert.Equal("192.0.2.10", ban.GetProperty("client_ip").GetString());
            Assert.Equal(4, ban.GetProperty("score").GetInt32());
            Assert.Equal(1800, ban.GetProperty("ban_duration_seconds").GetInt64());
            Assert.Equal(1, ban.GetProperty("offences").GetInt32());
            Assert.Single(lines, l => l.TryGetProperty("event", out var e) && e.GetString() == "unbanned");
            // Two drops, one summary line (at most one a minute), and no connection_failed lines for fail2ban to double count.
            Assert.Single(lines, l => l.TryGetProperty("dropped_connections", out _));
            Assert.DoesNotContain(lines, l => l.GetProperty("sender").GetString() == "connection_failed");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Host_list_files_use_sftpgos_format_and_bad_entries_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("wharf-defender-");
        try
        {
            string good = Path.Combine(dir.FullName, "safe.json");
            File.WriteAllText(good, """{"addresses": ["192.0.2.1", "::ffff:192.0.2.2"], "networks": ["198.51.100.0/24", "2001:db8::/48"]}""");
            var set = AddressSet.Load(good, null);
            Assert.True(set.Contains(IPAddress.Parse("192.0.2.2")));
            Assert.True(set.Contains(IPAddress.Parse("198.51.100.77")));
            Assert.True(set.Contains(IPAddress.Parse("2001:db8:0:ffff::1")));
            Assert.False(set.Contains(IPAddress.Parse("2001:db8:1::1")));
            Assert.False(set.Contains(IPAddress.Parse("192.0.2.3")));

            string bad = Path.Combine(dir.FullName, "bad.json");
            File.WriteAllText(bad, """{"addresses": ["192.0.2.1/24"]}""");
            Assert.Contains("is not an IP address", Assert.Throws<FormatException>(() => AddressSet.Load(bad, null)).Message);
            File.WriteAllText(bad, """{"hosts": []}""");
            Assert.Throws<FormatException>(() => AddressSet.Load(bad, null));
            Assert.Contains("does not exist", Assert.Throws<FormatException>(() => AddressSet.Load(Path.Combine(dir.FullName, "none.json"), null)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
