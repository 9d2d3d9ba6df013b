using Wharf.Server.Configuration;
using Wharf.Server.Tests.Configuration;

namespace Wharf.Server.Tests.Defense;

public sealed class DefenderConfigTests
{
    private static WharfConfig Load(string json, Dictionary<string, string?>? env = null)
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", json);
        return ConfigurationLoader.Load(dir.Path, null, env ?? new Dictionary<string, string?>());
    }

    private static string Error(string json, Dictionary<string, string?>? env = null) =>
        Assert.Throws<ConfigurationException>(() => Load(json, env)).Message;

    [Fact]
    public void Defaults_are_sftpgos_with_the_defender_on()
    {
        var c = Load("{}");
        var d = c.Common.Defender;
        Assert.True(d.Enabled);
        Assert.Equal("memory", d.Driver);
        Assert.Equal((30, 50, 15, 2, 1, 3, 0, 30, 100, 150), (d.BanTime, d.BanTimeIncrement, d.Threshold, d.ScoreInvalid, d.ScoreValid, d.ScoreLimitExceeded, d.ScoreNoAuth, d.ObservationTime, d.EntriesSoftLimit, d.EntriesHardLimit));
        Assert.Equal((1, 32, 128, 1440), (d.ScoreGraceExceeded, d.Ipv4Netblock, d.Ipv6Netblock, d.MaxBanTime));
        var r = Assert.Single(c.Common.RateLimiters);
        Assert.Equal((0, 1000, 1, 2, false, 100, 150), (r.Average, r.Period, r.Burst, r.Type, r.GenerateDefenderEvents, r.EntriesSoftLimit, r.EntriesHardLimit));
        Assert.Equal(["SSH", "FTP", "DAV", "HTTP"], r.Protocols);
        Assert.Equal(["connect"], r.AppliesTo);
    }

    [Fact]
    public void An_sftpgo_common_section_loads_and_env_vars_override_it()
    {
        var c = Load("""
            {"common": {"defender": {"enabled": true, "driver": "provider", "ban_time": 10, "ban_time_increment": 100, "threshold": 5,
              "score_invalid": 2, "score_valid": 1, "score_limit_exceeded": 3, "score_no_auth": 1, "observation_time": 15,
              "entries_soft_limit": 10, "entries_hard_limit": 20, "safelist_file": "", "blocklist_file": "", "safelist": ["10.0.0.0/8"], "blocklist": []},
              "rate_limiters": [{"average": 10, "period": 1000, "burst": 5, "type": 2, "protocols": ["SSH", "FTP"], "generate_defender_events": true,
                "entries_soft_limit": 100, "entries_hard_limit": 150}]}}
            """, new() { ["WHARF_COMMON__DEFENDER__ENABLED"] = "false", ["WHARF_COMMON__RATE_LIMITERS__0__BURST"] = "7" });
        Assert.False(c.Common.Defender.Enabled);
        Assert.Equal("provider", c.Common.Defender.Driver);
        Assert.Equal(["10.0.0.0/8"], c.Common.Defender.Safelist);
        Assert.Equal(7, c.Common.RateLimiters[0].Burst);
        Assert.True(c.Common.RateLimiters[0].GenerateDefenderEvents);
    }

    [Theory]
    [InlineData("""{"common": {"defender": {"driver": "redis"}}}""", "common.defender.driver: 'redis' is not supported (memory, provider)")]
    [InlineData("""{"common": {"defender": {"score_invalid": 15}}}""", "common.defender.score_invalid: 15 must be lower than threshold 15 (one event alone would ban)")]
    [InlineData("""{"common": {"defender": {"score_valid": -1}}}""", "common.defender.score_valid: -1 must be at least 0")]
    [InlineData("""{"common": {"defender": {"score_invalid": 0, "score_valid": 0, "score_limit_exceeded": 0, "score_grace_exceeded": 0}}}""", "common.defender: every score is 0, nothing would ever be banned (set enabled: false instead)")]
    [InlineData("""{"common": {"defender": {"ban_time": 0}}}""", "common.defender.ban_time: 0 must be at least 1")]
    [InlineData("""{"common": {"defender": {"observation_time": 0}}}""", "common.defender.observation_time: 0 must be at least 1")]
    [InlineData("""{"common": {"defender": {"entries_hard_limit": 100}}}""", "common.defender.entries_hard_limit: 100 must be greater than entries_soft_limit 100")]
    [InlineData("""{"common": {"defender": {"ipv4_netblock": 33}}}""", "common.defender.ipv4_netblock: 33 is not valid (1-32: IPv4 prefix length counted as one source)")]
    [InlineData("""{"common": {"defender": {"max_ban_time": 10}}}""", "common.defender.max_ban_time: 10 must not be lower than ban_time 30 (0 is no cap)")]
    [InlineData("""{"common": {"defender": {"safelist": ["10.0.0.0/33"]}}}""", "common.defender.safelist.0: '10.0.0.0/33' is not an IP address or CIDR network")]
    [InlineData("""{"common": {"rate_limiters": [{"average": 1, "burst": 0}]}}""", "common.rate_limiters.0.burst: 0 must be at least 1")]
    [InlineData("""{"common": {"rate_limiters": [{"average": 1, "period": 50}]}}""", "common.rate_limiters.0.period: 50 must be at least 100")]
    [InlineData("""{"common": {"rate_limiters": [{"average": 1, "type": 3}]}}""", "common.rate_limiters.0.type: 3 is not valid (1-2: 1 global, 2 per source)")]
    [InlineData("""{"common": {"rate_limiters": [{"average": 1, "protocols": ["SFTP"]}]}}""", "common.rate_limiters.0.protocols: 'SFTP' is not a protocol (SSH, FTP, DAV, HTTP)")]
    [InlineData("""{"common": {"rate_limiters": [{"average": 1, "applies_to": ["auth"]}]}}""", "common.rate_limiters.0.applies_to: 'auth' is not valid (connect, login)")]
    [InlineData("""{"common": {"rate_limiters": [{"average": 1, "entries_hard_limit": 10}]}}""", "common.rate_limiters.0.entries_hard_limit: 10 must be greater than entries_soft_limit 100")]
    [InlineData("""{"common": {"defender": {"login_delay": {}}}}""", "wharf.json: unknown option common.defender.login_delay")]
    public void Bad_values_are_one_line_errors_naming_the_option(string json, string message) =>
        Assert.StartsWith(message, Error(json));

    [Fact]
    public void A_missing_or_malformed_list_file_is_an_error()
    {
        Assert.Contains("common.defender.blocklist_file: '", Error("""{"common": {"defender": {"blocklist_file": "nope.json"}}}"""));
        using var dir = new ConfigDir();
        dir.Write("block.json", """{"addresses": ["not-an-ip"]}""");
        dir.Write("wharf.json", """{"common": {"defender": {"blocklist_file": "block.json"}}}""");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>()));
        Assert.Contains("common.defender.blocklist_file:", ex.Message);
        Assert.Contains("'not-an-ip' is not an IP address", ex.Message);
    }

    [Fact]
    public void A_disabled_defender_is_not_checked_but_its_driver_is()
    {
        Assert.False(Load("""{"common": {"defender": {"enabled": false, "threshold": 0}}}""").Common.Defender.Enabled);
    }
}
