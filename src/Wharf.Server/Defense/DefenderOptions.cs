using Wharf.Server.Configuration;

namespace Wharf.Server.Defense;

/// <summary>What a host defender was built with: common.defender resolved (lists loaded, times as spans).</summary>
public sealed class DefenderOptions
{
    public TimeSpan BanTime { get; init; } = TimeSpan.FromMinutes(30);
    public int BanTimeIncrement { get; init; } = 50;
    public int Threshold { get; init; } = 15;
    public int ScoreInvalid { get; init; } = 2;
    public int ScoreValid { get; init; } = 1;
    public int ScoreLimitExceeded { get; init; } = 3;
    public int ScoreNoAuth { get; init; }
    public int ScoreGraceExceeded { get; init; } = 1;
    public TimeSpan ObservationTime { get; init; } = TimeSpan.FromMinutes(30);
    public int EntriesSoftLimit { get; init; } = 100;
    public int EntriesHardLimit { get; init; } = 150;
    public int Ipv4Netblock { get; init; } = 32;
    public int Ipv6Netblock { get; init; } = 128;

    /// <summary>Longest ban; <see cref="TimeSpan.Zero"/> no cap.</summary>
    public TimeSpan MaxBanTime { get; init; } = TimeSpan.FromHours(24);
    public AddressSet Safelist { get; init; } = AddressSet.Empty;
    public AddressSet Blocklist { get; init; } = AddressSet.Empty;

    /// <summary>How long after a ban has ended a source's offence count is remembered (so the next ban is longer).</summary>
    public TimeSpan OffenceMemory { get; init; } = TimeSpan.FromHours(24);

    /// <summary>From a validated common.defender; relative list files against <paramref name="config"/>'s config dir.</summary>
    /// <exception cref="FormatException">A list file or entry that cannot be read.</exception>
    public static DefenderOptions From(DefenderConfig d, WharfConfig config)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(config);
        return new DefenderOptions
        {
            BanTime = TimeSpan.FromMinutes(d.BanTime),
            BanTimeIncrement = d.BanTimeIncrement,
            Threshold = d.Threshold,
            ScoreInvalid = d.ScoreInvalid,
            ScoreValid = d.ScoreValid,
            ScoreLimitExceeded = d.ScoreLimitExceeded,
            ScoreNoAuth = d.ScoreNoAuth,
            ScoreGraceExceeded = d.ScoreGraceExceeded,
            ObservationTime = TimeSpan.FromMinutes(d.ObservationTime),
            EntriesSoftLimit = d.EntriesSoftLimit,
            EntriesHardLimit = d.EntriesHardLimit,
            Ipv4Netblock = d.Ipv4Netblock,
            Ipv6Netblock = d.Ipv6Netblock,
            MaxBanTime = TimeSpan.FromMinutes(d.MaxBanTime),
            Safelist = AddressSet.Load(config.ResolvePath(d.SafelistFile), d.Safelist),
            Blocklist = AddressSet.Load(config.ResolvePath(d.BlocklistFile), d.Blocklist),
        };
    }

    /// <summary>The score of <paramref name="e"/>.</summary>
    public int Score(HostEvent e) => e switch
    {
        HostEvent.LoginFailed => ScoreValid,
        HostEvent.UserNotFound => ScoreInvalid,
        HostEvent.LimitExceeded => ScoreLimitExceeded,
        HostEvent.NoLoginTried => ScoreNoAuth,
        HostEvent.GraceExceeded => ScoreGraceExceeded,
        _ => 0,
    };

    /// <summary>
    /// The ban for a source's <paramref name="offence"/>-th offence (1 = first):
    /// ban_time × (1 + ban_time_increment/100)^(offence−1), at most <see cref="MaxBanTime"/>.
    /// </summary>
    public TimeSpan BanDuration(int offence)
    {
        double factor = Math.Pow(1 + (BanTimeIncrement / 100.0), Math.Max(0, offence - 1));
        double ms = Math.Min(BanTime.TotalMilliseconds * factor, TimeSpan.MaxValue.TotalMilliseconds / 2);
        var duration = TimeSpan.FromMilliseconds(ms);
        return MaxBanTime > TimeSpan.Zero && duration > MaxBanTime ? MaxBanTime : duration;
    }

    /// <summary>SFTPGo's extension for a connection from a banned source: ban_time × ban_time_increment / 100, whole minutes, at least one.</summary>
    public TimeSpan Extension => TimeSpan.FromMinutes(Math.Max(1, (int)BanTime.TotalMinutes * BanTimeIncrement / 100));
}

/// <summary>What a source did (SFTPGo's host events, plus grace-exceeded from OpenSSH).</summary>
public enum HostEvent
{
    /// <summary>A failed login for a user that exists (score_valid).</summary>
    LoginFailed,

    /// <summary>A login for a user that does not exist (score_invalid).</summary>
    UserNotFound,

    /// <summary>A connection that ended without an authentication attempt (score_no_auth).</summary>
    NoLoginTried,

    /// <summary>A connection limit refused it, or a rate limiter with generate_defender_events (score_limit_exceeded).</summary>
    LimitExceeded,

    /// <summary>The login grace time ran out before it authenticated (score_grace_exceeded).</summary>
    GraceExceeded,
}

/// <summary>A host the defender tracks, as the REST API shows it (SFTPGo's fields).</summary>
/// <param name="Source">The source (address or netblock).</param>
/// <param name="Score">Its score within the observation window (0 when banned: a ban clears it).</param>
/// <param name="BanUntil">When its ban ends; null when not banned.</param>
/// <param name="Offences">How many times it has been banned (remembered for a day after a ban ends).</param>
public sealed record DefenderEntry(Source Source, int Score, DateTimeOffset? BanUntil, int Offences);
