using System.Globalization;
using Wharf.Server.Defense;

namespace Wharf.Server.Configuration;

/// <summary>Checks common.defender and common.rate_limiters (SFTPGo's rules, one line per problem naming the option).</summary>
internal static class CommonConfigValidator
{
    public static readonly string[] DefenderDrivers = ["memory", "provider"];
    public static readonly string[] Protocols = ["SSH", "FTP", "DAV", "HTTP"];
    public static readonly string[] AppliesTo = ["connect", "login"];

    public static void Validate(WharfConfig config)
    {
        var d = config.Common.Defender;
        const string p = "common.defender";
        if (!DefenderDrivers.Contains(d.Driver))
        {
            Fail($"{p}.driver: '{d.Driver}' is not supported ({string.Join(", ", DefenderDrivers)})");
        }

        Range($"{p}.ipv4_netblock", d.Ipv4Netblock, 1, 32, "IPv4 prefix length counted as one source");
        Range($"{p}.ipv6_netblock", d.Ipv6Netblock, 1, 128, "IPv6 prefix length counted as one source");
        try
        {
            AddressSet.Load(config.ResolvePath(d.SafelistFile), null);
        }
        catch (FormatException ex)
        {
            Fail($"{p}.safelist_file: {ex.Message}");
        }

        try
        {
            AddressSet.Load(config.ResolvePath(d.BlocklistFile), null);
        }
        catch (FormatException ex)
        {
            Fail($"{p}.blocklist_file: {ex.Message}");
        }

        for (var i = 0; i < d.Safelist.Count; i++)
        {
            if (!new AddressSet().TryAdd(d.Safelist[i]))
            {
                Fail($"{p}.safelist.{i}: '{d.Safelist[i]}' is not an IP address or CIDR network");
            }
        }

        for (var i = 0; i < d.Blocklist.Count; i++)
        {
            if (!new AddressSet().TryAdd(d.Blocklist[i]))
            {
                Fail($"{p}.blocklist.{i}: '{d.Blocklist[i]}' is not an IP address or CIDR network");
            }
        }

        if (d.Enabled)
        {
            (string Name, int Value)[] scores =
            [
                ("score_invalid", d.ScoreInvalid), ("score_valid", d.ScoreValid), ("score_limit_exceeded", d.ScoreLimitExceeded),
                ("score_no_auth", d.ScoreNoAuth), ("score_grace_exceeded", d.ScoreGraceExceeded),
            ];
            AtLeast($"{p}.threshold", d.Threshold, 1);
            foreach (var (name, value) in scores)
            {
                AtLeast($"{p}.{name}", value, 0);
                if (value >= d.Threshold)
                {
                    Fail(Invariant($"{p}.{name}: {value} must be lower than threshold {d.Threshold} (one event alone would ban)"));
                }
            }

            if (scores.All(s => s.Value == 0))
            {
                Fail($"{p}: every score is 0, nothing would ever be banned (set enabled: false instead)");
            }

            AtLeast($"{p}.ban_time", d.BanTime, 1);
            AtLeast($"{p}.ban_time_increment", d.BanTimeIncrement, 1);
            AtLeast($"{p}.observation_time", d.ObservationTime, 1);
            AtLeast($"{p}.entries_soft_limit", d.EntriesSoftLimit, 1);
            if (d.EntriesHardLimit <= d.EntriesSoftLimit)
            {
                Fail(Invariant($"{p}.entries_hard_limit: {d.EntriesHardLimit} must be greater than entries_soft_limit {d.EntriesSoftLimit}"));
            }

            AtLeast($"{p}.max_ban_time", d.MaxBanTime, 0);
            if (d.MaxBanTime > 0 && d.MaxBanTime < d.BanTime)
            {
                Fail(Invariant($"{p}.max_ban_time: {d.MaxBanTime} must not be lower than ban_time {d.BanTime} (0 is no cap)"));
            }
        }

        for (var i = 0; i < config.Common.RateLimiters.Count; i++)
        {
            var r = config.Common.RateLimiters[i];
            string o = $"common.rate_limiters.{i}";
            AtLeast($"{o}.average", r.Average, 0);
            if (r.Average == 0)
            {
                continue; // disabled, as in SFTPGo
            }

            AtLeast($"{o}.burst", r.Burst, 1);
            AtLeast($"{o}.period", r.Period, 100);
            Range($"{o}.type", r.Type, 1, 2, "1 global, 2 per source");
            if (r.Type == 2)
            {
                AtLeast($"{o}.entries_soft_limit", r.EntriesSoftLimit, 1);
                if (r.EntriesHardLimit <= r.EntriesSoftLimit)
                {
                    Fail(Invariant($"{o}.entries_hard_limit: {r.EntriesHardLimit} must be greater than entries_soft_limit {r.EntriesSoftLimit}"));
                }
            }

            foreach (var protocol in r.Protocols)
            {
                if (!Protocols.Contains(protocol))
                {
                    Fail($"{o}.protocols: '{protocol}' is not a protocol ({string.Join(", ", Protocols)})");
                }
            }

            foreach (var a in r.AppliesTo)
            {
                if (!AppliesTo.Contains(a))
                {
                    Fail($"{o}.applies_to: '{a}' is not valid ({string.Join(", ", AppliesTo)})");
                }
            }
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static void AtLeast(string option, int value, int min)
    {
        if (value < min)
        {
            Fail(Invariant($"{option}: {value} must be at least {min}"));
        }
    }

    private static void Range(string option, int value, int min, int max, string meaning)
    {
        if (value < min || value > max)
        {
            Fail(Invariant($"{option}: {value} is not valid ({min}-{max}: {meaning})"));
        }
    }

    private static void Fail(string message) => throw new ConfigurationException(message);
}
