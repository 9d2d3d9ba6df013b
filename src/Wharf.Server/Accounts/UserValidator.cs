using System.Net;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Accounts;

/// <summary>
/// Checks a <see cref="User"/> before it is stored, with SFTPGo's rules. Problems throw a
/// <see cref="DataProviderException"/> (<see cref="DataProviderError.Validation"/>) whose
/// <see cref="DataProviderException.Field"/> is the JSON name of the bad property.
/// </summary>
public static class UserValidator
{
    /// <summary>
    /// Validates <paramref name="user"/> and normalises it in place: null lists become empty,
    /// an empty home_dir becomes users_base_dir/username when <see cref="DataProviderConfig.UsersBaseDir"/>
    /// is set, home_dir is made canonical and permission directories are normalised virtual paths.
    /// </summary>
    /// <exception cref="DataProviderException">The first problem found, naming its field.</exception>
    public static void Validate(User user, DataProviderConfig config)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(config);
        user.PublicKeys ??= [];
        user.AllowedIp ??= [];
        user.DeniedIp ??= [];

        ValidateUsername(user.Username);

        if (string.IsNullOrEmpty(user.Password) && user.PublicKeys.Count == 0)
        {
            throw Fail("password", "a password or at least one public key is required");
        }

        for (int i = 0; i < user.PublicKeys.Count; i++)
        {
            try
            {
                AuthorizedKeyEntry.Parse(user.PublicKeys[i] ?? "");
            }
            catch (Exception ex) when (ex is FormatException or SshConnectionException or ArgumentException)
            {
                throw Fail("public_keys", $"key {i + 1} is not a valid authorized_keys line: {ex.Message}");
            }
        }

        if (user.Status is not (0 or 1))
        {
            throw Fail("status", $"must be 0 (inactive) or 1 (active), not {user.Status}");
        }

        NonNegative(user.ExpirationDate, "expiration_date");
        ValidateHomeDir(user, config);
        NonNegative(user.Uid, "uid");
        NonNegative(user.Gid, "gid");
        NonNegative(user.MaxSessions, "max_sessions");
        NonNegative(user.QuotaSize, "quota_size");
        NonNegative(user.QuotaFiles, "quota_files");
        NonNegative(user.UploadBandwidth, "upload_bandwidth");
        NonNegative(user.DownloadBandwidth, "download_bandwidth");
        ValidatePermissions(user);
        ValidateNetworks(user.AllowedIp, "allowed_ip");
        ValidateNetworks(user.DeniedIp, "denied_ip");
    }

    /// <summary>The username rules users and admins share: 1..255 characters, no "/", no control characters, not "." or "..".</summary>
    internal static void ValidateUsername(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255)
        {
            throw Fail("username", "must be 1 to 255 characters long");
        }

        if (name is "." or "..")
        {
            throw Fail("username", $"'{name}' is not allowed");
        }

        foreach (char c in name)
        {
            if (c == '/')
            {
                throw Fail("username", "must not contain '/'");
            }

            if (char.IsControl(c))
            {
                throw Fail("username", "must not contain NUL or control characters");
            }
        }
    }

    private static void ValidateHomeDir(User user, DataProviderConfig config)
    {
        string home = user.HomeDir ?? "";
        if (home.Length == 0 && config.UsersBaseDir.Length > 0)
        {
            if (!Path.IsPathFullyQualified(config.UsersBaseDir))
            {
                throw Fail("home_dir", $"empty and users_base_dir '{config.UsersBaseDir}' is not an absolute path");
            }

            home = Path.Combine(config.UsersBaseDir, user.Username);
        }

        if (home.Length == 0)
        {
            throw Fail("home_dir", "is required (an absolute path)");
        }

        if (home.Contains('\0', StringComparison.Ordinal) || !Path.IsPathFullyQualified(home))
        {
            throw Fail("home_dir", $"'{home}' is not an absolute path");
        }

        string full = Path.GetFullPath(home);
        user.HomeDir = full.Length > 1 ? full.TrimEnd('/') : full;
    }

    private static void ValidatePermissions(User user)
    {
        if (user.Permissions is null || user.Permissions.Count == 0)
        {
            throw Fail("permissions", "permissions for '/' are required");
        }

        var normalised = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (dir, perms) in user.Permissions)
        {
            if (string.IsNullOrEmpty(dir) || dir[0] != '/' || dir.Contains('\0', StringComparison.Ordinal))
            {
                throw Fail("permissions", $"directory '{dir}' is not an absolute virtual path");
            }

            string key = VirtualPath.Normalize(dir);
            if (normalised.ContainsKey(key))
            {
                throw Fail("permissions", $"directory '{dir}' duplicates '{key}'");
            }

            if (perms is null || perms.Count == 0)
            {
                throw Fail("permissions", $"no permissions for '{dir}'");
            }

            foreach (var p in perms)
            {
                if (p is null || !Permission.IsKnown(p))
                {
                    throw Fail("permissions", $"unknown permission '{p}' for '{dir}'");
                }
            }

            normalised[key] = [.. perms.Distinct(StringComparer.Ordinal)];
        }

        if (!normalised.ContainsKey("/"))
        {
            throw Fail("permissions", "permissions for '/' are required");
        }

        user.Permissions = normalised;
    }

    private static void ValidateNetworks(List<string> networks, string field)
    {
        foreach (var cidr in networks)
        {
            // The same parser the login check uses, so a rule that is saved is a rule that matches.
            if (!LoginPolicy.TryParseRule(cidr, out _, out string? error))
            {
                throw Fail(field, error!);
            }
        }
    }

    private static void NonNegative(long value, string field)
    {
        if (value < 0)
        {
            throw Fail(field, $"must not be negative ({value})");
        }
    }

    private static DataProviderException Fail(string field, string message) =>
        new(DataProviderError.Validation, $"{field}: {message}", field);
}
