using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>
/// The common section: settings shared by every protocol, as SFTPGo 2.x groups them
/// (<c>common.defender</c>, <c>common.rate_limiters</c>, <c>common.proxy_protocol</c>...).
/// See docs/availability.md.
/// </summary>
public sealed class CommonConfig
{
    [JsonPropertyName("defender")] public DefenderConfig Defender { get; set; } = new();
    [JsonPropertyName("rate_limiters")] public List<RateLimiterConfig> RateLimiters { get; set; } = [new()];
}
