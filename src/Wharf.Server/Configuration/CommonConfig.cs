using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>
/// The common section: settings shared by every protocol, as SFTPGo 2.x groups them
/// (<c>common.defender</c>, <c>common.rate_limiters</c>, <c>common.proxy_protocol</c>...).
/// See docs/availability.md.
/// </summary>
public sealed class CommonConfig
{
    /// <summary>
    /// PROXY protocol (v1 and v2) on the SFTP listener, SFTPGo's values: 0 off, 1 a header is used
    /// when an allowed source sends one, 2 an allowed source must send one and other sources
    /// (except <see cref="ProxySkipped"/>) are refused.
    /// </summary>
    [JsonPropertyName("proxy_protocol")] public int ProxyProtocol { get; set; }

    /// <summary>IP addresses and CIDR networks (the balancers) allowed to send a PROXY header.</summary>
    [JsonPropertyName("proxy_allowed")] public List<string> ProxyAllowed { get; set; } = [];

    /// <summary>IP addresses and CIDR networks whose connections are never read for a PROXY header (nor need one).</summary>
    [JsonPropertyName("proxy_skipped")] public List<string> ProxySkipped { get; set; } = [];

    /// <summary>
    /// Parses an IP address (a network of one address) or a CIDR network as SFTPGo's
    /// <c>util.ParseAllowedIPAndRanges</c> takes them: an IPv4 address in dotted-quad form or an
    /// IPv6 address, optionally with <c>/prefix</c>; host bits after the prefix are masked off
    /// (<c>10.1.2.3/8</c> is <c>10.0.0.0/8</c>), as Go's <c>net.ParseCIDR</c> does.
    /// </summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        network = default;
        text = text.Trim();
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!TryParseAddress(addressText, out var address))
        {
            return false;
        }

        int bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = bits;
        if (slash >= 0)
        {
            var prefixText = text[(slash + 1)..];
            if (prefixText.Length is < 1 or > 3 || !prefixText.All(char.IsAsciiDigit)
                || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits)
            {
                return false;
            }
        }

        var bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        network = new IPNetwork(new IPAddress(bytes), prefix);
        return true;
    }

    // IPAddress.TryParse also takes "10" or "10.1" (inet_aton's short forms) and zone ids;
    // Go's net.ParseIP takes neither, so neither is an address here.
    private static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length == 0 || text.Contains('%', StringComparison.Ordinal) || text.Contains('[', StringComparison.Ordinal))
        {
            return false;
        }

        if (!text.Contains(':', StringComparison.Ordinal)
            && (text.Count(c => c == '.') != 3 || !text.All(c => c == '.' || char.IsAsciiDigit(c))))
        {
            return false;
        }

        return IPAddress.TryParse(text, out address!);
    }

    /// <summary>Per-source penalties and bans (SFTPGo 2.x's defender).</summary>
    [JsonPropertyName("defender")] public DefenderConfig Defender { get; set; } = new();

    /// <summary>Token buckets for new connections and login attempts (SFTPGo 2.x's rate_limiters).</summary>
    [JsonPropertyName("rate_limiters")] public List<RateLimiterConfig> RateLimiters { get; set; } = [new()];

    /// <summary>The password verification pool (a Wharf addition; SFTPGo has no such section).</summary>
    [JsonPropertyName("password_verification")] public PasswordVerificationConfig PasswordVerification { get; set; } = new();
}

/// <summary><c>common.password_verification</c>: how many password hashes run at once and how many may wait.</summary>
public sealed class PasswordVerificationConfig
{
    /// <summary>Verifications run at once, each on its own thread with one Argon2 work area; 0 = one per processor.</summary>
    [JsonPropertyName("workers")] public int Workers { get; set; }

    /// <summary>Verifications that may wait for a worker; beyond them a login fails at once. 0 = the larger of 64 and 4 × workers.</summary>
    [JsonPropertyName("queue_limit")] public int QueueLimit { get; set; }
}
