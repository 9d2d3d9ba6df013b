using System.Net;

namespace Wharf.Server.Accounts;

/// <summary>
/// The account checks made at every login, whatever the protocol: active, not expired, address
/// allowed and not denied (denied wins), and under the concurrent session limit.
/// </summary>
public static class LoginPolicy
{
    /// <summary>Null when <paramref name="user"/> may log in from <paramref name="address"/>, else the reason (for logs, never for the client).</summary>
    public static string? Check(User user, IPAddress address, DateTimeOffset now, int activeSessions)
    {
        if (user.Status != 1)
        {
            return "account is inactive";
        }

        if (user.ExpirationDate > 0 && now.ToUnixTimeMilliseconds() >= user.ExpirationDate)
        {
            return "account has expired";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (user.DeniedIp.Any(c => Contains(c, address)))
        {
            return $"address {address} is denied";
        }

        if (user.AllowedIp.Count > 0 && !user.AllowedIp.Any(c => Contains(c, address)))
        {
            return $"address {address} is not allowed";
        }

        if (user.MaxSessions > 0 && activeSessions >= user.MaxSessions)
        {
            return $"too many sessions ({activeSessions} of {user.MaxSessions})";
        }

        return null;
    }

    private static bool Contains(string cidr, IPAddress address) =>
        IPNetwork.TryParse(cidr, out var network) && network.Contains(address);
}
