using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>
/// One item of common.rate_limiters: a token bucket, global or per source, in SFTPGo 2.x's
/// names and defaults. Wharf applies the limiters whose <see cref="Protocols"/> include SSH, to
/// new connections and/or to login attempts (<see cref="AppliesTo"/>).
/// </summary>
public sealed class RateLimiterConfig
{
    /// <summary>Events allowed per <see cref="Period"/>; 0 disables the limiter.</summary>
    [JsonPropertyName("average")] public int Average { get; set; }

    /// <summary>Milliseconds over which <see cref="Average"/> events are allowed (≥ 100).</summary>
    [JsonPropertyName("period")] public int Period { get; set; } = 1000;

    /// <summary>Events allowed at once (the bucket's size, ≥ 1).</summary>
    [JsonPropertyName("burst")] public int Burst { get; set; } = 1;

    /// <summary>1 one bucket for everyone, 2 one bucket per source.</summary>
    [JsonPropertyName("type")] public int Type { get; set; } = 2;

    /// <summary>SSH, FTP, DAV, HTTP (SFTPGo's values); Wharf serves SSH only, so only limiters listing SSH do anything.</summary>
    [JsonPropertyName("protocols")] public List<string> Protocols { get; set; } = ["SSH", "FTP", "DAV", "HTTP"];

    /// <summary>A hit of a per-source limiter scores score_limit_exceeded in the defender.</summary>
    [JsonPropertyName("generate_defender_events")] public bool GenerateDefenderEvents { get; set; }

    /// <summary>Per-source buckets are trimmed to this many (least recently used first) when <see cref="EntriesHardLimit"/> is reached.</summary>
    [JsonPropertyName("entries_soft_limit")] public int EntriesSoftLimit { get; set; } = 100;

    /// <summary>Most per-source buckets kept.</summary>
    [JsonPropertyName("entries_hard_limit")] public int EntriesHardLimit { get; set; } = 150;

    /// <summary><c>connect</c> (new connections, SFTPGo's use) and/or <c>login</c> (each authentication attempt). (Wharf only.)</summary>
    [JsonPropertyName("applies_to")] public List<string> AppliesTo { get; set; } = ["connect"];
}
