using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wharf.Server.Accounts;

/// <summary>
/// A virtual user, with SFTPGo's account properties and JSON names (so dumps and API payloads
/// read the same). <see cref="Password"/> is always stored hashed.
/// </summary>
public sealed class User : IJsonOnDeserialized
{
    private UserFilters? _readFilters;

    [JsonPropertyName("id")] public long Id { get; set; }
    [JsonPropertyName("username")] public string Username { get; set; } = "";

    /// <summary>A hash in one of the supported formats (argon2id for new passwords); null or empty when only keys are allowed.</summary>
    [JsonPropertyName("password")] public string? Password { get; set; }

    /// <summary>authorized_keys lines.</summary>
    [JsonPropertyName("public_keys")] public List<string> PublicKeys { get; set; } = [];

    /// <summary>1 active, 0 inactive.</summary>
    [JsonPropertyName("status")] public int Status { get; set; } = 1;

    /// <summary>Unix time in milliseconds; 0 means never.</summary>
    [JsonPropertyName("expiration_date")] public long ExpirationDate { get; set; }

    /// <summary>Absolute path of the user's root on the server.</summary>
    [JsonPropertyName("home_dir")] public string HomeDir { get; set; } = "";

    [JsonPropertyName("uid")] public int Uid { get; set; }
    [JsonPropertyName("gid")] public int Gid { get; set; }

    /// <summary>Concurrent sessions; 0 unlimited.</summary>
    [JsonPropertyName("max_sessions")] public int MaxSessions { get; set; }

    /// <summary>Bytes; 0 unlimited.</summary>
    [JsonPropertyName("quota_size")] public long QuotaSize { get; set; }

    /// <summary>Files; 0 unlimited.</summary>
    [JsonPropertyName("quota_files")] public int QuotaFiles { get; set; }

    /// <summary>Virtual directory → permission names (see <see cref="Permission"/>); "/" must be present.</summary>
    [JsonPropertyName("permissions")] public Dictionary<string, List<string>> Permissions { get; set; } = new() { ["/"] = ["*"] };

    [JsonPropertyName("used_quota_size")] public long UsedQuotaSize { get; set; }
    [JsonPropertyName("used_quota_files")] public int UsedQuotaFiles { get; set; }

    /// <summary>Unix time in milliseconds of the last quota update.</summary>
    [JsonPropertyName("last_quota_update")] public long LastQuotaUpdate { get; set; }

    /// <summary>KB/s; 0 unlimited.</summary>
    [JsonPropertyName("upload_bandwidth")] public long UploadBandwidth { get; set; }

    /// <summary>KB/s; 0 unlimited.</summary>
    [JsonPropertyName("download_bandwidth")] public long DownloadBandwidth { get; set; }

    /// <summary>Unix time in milliseconds of the last successful login.</summary>
    [JsonPropertyName("last_login")] public long LastLogin { get; set; }

    /// <summary>CIDRs allowed to log in (empty: all).</summary>
    [JsonPropertyName("allowed_ip")] public List<string> AllowedIp { get; set; } = [];

    /// <summary>CIDRs refused (wins over allowed).</summary>
    [JsonPropertyName("denied_ip")] public List<string> DeniedIp { get; set; } = [];

    /// <summary>
    /// SFTPGo's name for <see cref="AllowedIp"/> and <see cref="DeniedIp"/>: SFTPGo dumps and
    /// clients send the address rules here, so reading it must fill them — a dump whose filters
    /// were dropped would let a user restricted to one network log in from anywhere. Written
    /// with the same lists so SFTPGo reads Wharf's dumps too. Given together with the top-level
    /// lists, both must agree (see <see cref="OnDeserialized"/>).
    /// </summary>
    [JsonPropertyName("filters")]
    public UserFilters Filters
    {
        get => new() { AllowedIp = AllowedIp, DeniedIp = DeniedIp };
        set => _readFilters = value;
    }

    /// <summary>
    /// Merges a <c>filters</c> object read from JSON into <see cref="AllowedIp"/> and
    /// <see cref="DeniedIp"/> once every member is read (so member order does not matter).
    /// </summary>
    /// <exception cref="JsonException">filters and the top-level list give different rules: guessing which one was meant could open the account.</exception>
    public void OnDeserialized()
    {
        if (_readFilters is not { } filters)
        {
            return;
        }

        _readFilters = null;
        AllowedIp = Merge(AllowedIp, filters.AllowedIp, "allowed_ip");
        DeniedIp = Merge(DeniedIp, filters.DeniedIp, "denied_ip");
    }

    private static List<string> Merge(List<string>? topLevel, List<string>? fromFilters, string name)
    {
        if (fromFilters is null)
        {
            return topLevel ?? [];
        }

        if (topLevel is null || topLevel.Count == 0 || topLevel.SequenceEqual(fromFilters, StringComparer.Ordinal))
        {
            return [.. fromFilters];
        }

        throw new JsonException($"filters.{name} [{string.Join(", ", fromFilters)}] and {name} [{string.Join(", ", topLevel)}] disagree: give the rules once");
    }
}

/// <summary>SFTPGo's <c>filters</c> object: the address rules of a user (see <see cref="User.Filters"/>).</summary>
public sealed class UserFilters
{
    /// <summary>CIDRs allowed to log in; null or empty: all.</summary>
    [JsonPropertyName("allowed_ip")] public List<string>? AllowedIp { get; set; }

    /// <summary>CIDRs refused, evaluated before the allowed ones.</summary>
    [JsonPropertyName("denied_ip")] public List<string>? DeniedIp { get; set; }
}
