using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>
/// common.defender: scores per source for failed logins, unknown users, exceeded limits and
/// connections that never authenticate; a source over <see cref="Threshold"/> within
/// <see cref="ObservationTime"/> is banned (SFTPGo 2.x's names and defaults, except
/// <see cref="Enabled"/>, plus OpenSSH-style netblocks, a grace-exceeded score and a ban cap).
/// See docs/configuration.md and docs/availability.md.
/// </summary>
public sealed class DefenderConfig
{
    /// <summary>On by default in Wharf (SFTPGo: off), so brute force is stopped without configuration.</summary>
    [JsonPropertyName("enabled")] public bool Enabled { get; set; } = true;

    /// <summary><c>memory</c> (this process) or <c>provider</c> (the data provider's database, shared by every node on it).</summary>
    [JsonPropertyName("driver")] public string Driver { get; set; } = "memory";

    /// <summary>Minutes a source is banned the first time.</summary>
    [JsonPropertyName("ban_time")] public int BanTime { get; set; } = 30;

    /// <summary>
    /// Percent: a connection from a banned source extends its ban by this share of
    /// <see cref="BanTime"/> (SFTPGo), and each repeat offence bans for this much longer than the last (Wharf).
    /// </summary>
    [JsonPropertyName("ban_time_increment")] public int BanTimeIncrement { get; set; } = 50;

    /// <summary>Score within the observation window at which a source is banned.</summary>
    [JsonPropertyName("threshold")] public int Threshold { get; set; } = 15;

    /// <summary>Score of a login attempt for a user that does not exist.</summary>
    [JsonPropertyName("score_invalid")] public int ScoreInvalid { get; set; } = 2;

    /// <summary>Score of a failed login attempt for a user that exists.</summary>
    [JsonPropertyName("score_valid")] public int ScoreValid { get; set; } = 1;

    /// <summary>Score of a refused connection (connection limits) or a rate limiter hit with generate_defender_events.</summary>
    [JsonPropertyName("score_limit_exceeded")] public int ScoreLimitExceeded { get; set; } = 3;

    /// <summary>Score of a connection that ended without any authentication attempt.</summary>
    [JsonPropertyName("score_no_auth")] public int ScoreNoAuth { get; set; }

    /// <summary>Score of a connection closed because the login grace time ran out before it authenticated. (Wharf only.)</summary>
    [JsonPropertyName("score_grace_exceeded")] public int ScoreGraceExceeded { get; set; } = 1;

    /// <summary>Minutes of events that count towards the threshold.</summary>
    [JsonPropertyName("observation_time")] public int ObservationTime { get; set; } = 30;

    /// <summary>Tracked sources are trimmed to this many when <see cref="EntriesHardLimit"/> is passed (memory driver).</summary>
    [JsonPropertyName("entries_soft_limit")] public int EntriesSoftLimit { get; set; } = 100;

    /// <summary>Most sources tracked (memory driver); the most hosts listed by the REST API (both drivers).</summary>
    [JsonPropertyName("entries_hard_limit")] public int EntriesHardLimit { get; set; } = 150;

    /// <summary>JSON file <c>{"addresses": [...], "networks": [...]}</c> of sources never scored or banned (SFTPGo 2.0-2.4).</summary>
    [JsonPropertyName("safelist_file")] public string SafelistFile { get; set; } = "";

    /// <summary>JSON file of the same form: sources always refused (SFTPGo 2.0-2.4).</summary>
    [JsonPropertyName("blocklist_file")] public string BlocklistFile { get; set; } = "";

    /// <summary>Addresses and CIDR networks never scored or banned, besides the file (SFTPGo 2.2-2.4).</summary>
    [JsonPropertyName("safelist")] public List<string> Safelist { get; set; } = [];

    /// <summary>Addresses and CIDR networks always refused, besides the file (SFTPGo 2.2-2.4).</summary>
    [JsonPropertyName("blocklist")] public List<string> Blocklist { get; set; } = [];

    /// <summary>IPv4 prefix length that counts as one source (OpenSSH's PerSourceNetBlockSize). (Wharf only.)</summary>
    [JsonPropertyName("ipv4_netblock")] public int Ipv4Netblock { get; set; } = 32;

    /// <summary>IPv6 prefix length that counts as one source. (Wharf only.)</summary>
    [JsonPropertyName("ipv6_netblock")] public int Ipv6Netblock { get; set; } = 128;

    /// <summary>Minutes a ban may last at most, however it grows; 0 no cap. (Wharf only.)</summary>
    [JsonPropertyName("max_ban_time")] public int MaxBanTime { get; set; } = 1440;
}
