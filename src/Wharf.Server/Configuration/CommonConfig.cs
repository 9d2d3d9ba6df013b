using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>
/// The common section: settings shared by every protocol, as SFTPGo 2.x groups them
/// (<c>common.defender</c>, <c>common.rate_limiters</c>, <c>common.proxy_protocol</c>...).
/// See docs/availability.md.
/// </summary>
public sealed class CommonConfig
{
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
