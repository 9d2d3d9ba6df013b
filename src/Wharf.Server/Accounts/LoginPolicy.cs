using System.Net;
using System.Net.Sockets;
using Wharf.Server.Accounts.Passwords;

namespace Wharf.Server.Accounts;

/// <summary>
/// The account checks made at every login, whatever the protocol: active, not expired, address
/// allowed and not denied (denied wins). The concurrent session limit is reserved separately,
/// atomically, with <see cref="SessionSlots"/>.
/// </summary>
public static class LoginPolicy
{
    /// <summary>Null when <paramref name="user"/> may log in from <paramref name="address"/>, else the reason (for logs, never for the client).</summary>
    public static string? Check(User user, IPAddress address, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(address);
        if (user.Status != 1)
        {
            return "account is inactive";
        }

        if (user.ExpirationDate > 0 && now.ToUnixTimeMilliseconds() >= user.ExpirationDate)
        {
            return "account has expired";
        }

        address = Normalize(address);
        if (user.DeniedIp.Any(c => Contains(c, address)))
        {
            return $"address {address} is denied";
        }

        if (user.AllowedIp.Count > 0 && !user.AllowedIp.Any(c => Contains(c, address)))
        {
            return $"address {address} is not allowed";
        }

        return null;
    }

    /// <summary>
    /// Decides a password login: null when <paramref name="user"/> (null: unknown) may log in
    /// from <paramref name="address"/> with <paramref name="password"/>, else the reason (for
    /// logs). Every failure costs one argon2id verification with the parameters of new hashes —
    /// the stored hash, or the dummy when there is nothing to check against (unknown user, no
    /// password, refused account, unusable stored value) — so timing does not tell which of
    /// these it was, nor that a key-only account exists.
    /// </summary>
    public static string? CheckPassword(User? user, string password, IPAddress address, DateTimeOffset now)
    {
        string? refusal = user is null ? "user not found" : Check(user, address, now);
        string? stored = refusal is null ? user!.Password : null;
        if (string.IsNullOrEmpty(stored) || !PasswordHasher.IsHashed(stored))
        {
            PasswordHasher.VerifyDummy(password);
            return refusal ?? (string.IsNullOrEmpty(stored) ? "password login is not enabled for this account" : "the stored password is not a supported hash");
        }

        return PasswordHasher.Verify(password, stored) ? null : "invalid credentials";
    }

    /// <summary>
    /// Parses an allowed_ip/denied_ip rule. A rule written as IPv4-mapped IPv6
    /// (<c>::ffff:a.b.c.d/n</c>, n ≥ 96) means the IPv4 network a.b.c.d/(n−96) — client
    /// addresses are compared as IPv4, so left as IPv6 it would never match. False, with
    /// <paramref name="error"/>, for a malformed rule and for a mapped one with n &lt; 96, whose
    /// meaning (part IPv4, part IPv6) no client address can have.
    /// </summary>
    public static bool TryParseRule(string? cidr, out IPNetwork network, out string? error)
    {
        network = default;
        if (cidr is null || !IPNetwork.TryParse(cidr, out var parsed))
        {
            error = $"'{cidr}' is not a valid CIDR network (e.g. 192.0.2.0/24 or 2001:db8::/32)";
            return false;
        }

        // The address as written, not the parsed base: below /96 the base is masked to something
        // like ::fffe:0:0 that no longer looks mapped, and would silently never match.
        int slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (IPAddress.TryParse(slash < 0 ? cidr : cidr[..slash], out var written)
            && written.AddressFamily == AddressFamily.InterNetworkV6 && written.IsIPv4MappedToIPv6)
        {
            if (parsed.PrefixLength < 96)
            {
                error = $"'{cidr}' is an IPv4-mapped IPv6 network shorter than /96: write the IPv4 network instead (e.g. 192.0.2.0/24)";
                return false;
            }

            parsed = new IPNetwork(parsed.BaseAddress.MapToIPv4(), parsed.PrefixLength - 96);
        }

        network = parsed;
        error = null;
        return true;
    }

    /// <summary>The address rules compare against: an IPv4-mapped IPv6 address as the IPv4 it carries.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool Contains(string cidr, IPAddress address) =>
        TryParseRule(cidr, out var network, out _) && network.Contains(address);
}
