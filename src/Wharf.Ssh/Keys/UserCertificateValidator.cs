using System.Net;
using System.Net.Sockets;

namespace Wharf.Ssh.Keys;

/// <summary>
/// Decides whether an OpenSSH user certificate may log <c>username</c> in, with the checks
/// sshd makes for TrustedUserCAKeys (SECURITY.md, "Certificates").
/// </summary>
public static class UserCertificateValidator
{
    /// <summary>
    /// Validates <paramref name="cert"/> for <paramref name="username"/> connecting from
    /// <paramref name="remoteAddress"/> at <paramref name="now"/>. Returns null when the
    /// certificate is acceptable, otherwise the reason (for the server log, not the client).
    /// A <c>force-command</c> critical option is refused, because this overload has no way to
    /// hand the command to the caller; use the overload with <c>forceCommand</c> to honour it.
    /// </summary>
    public static string? Validate(SshCertificate cert, string username, IEnumerable<SshPublicKey> trustedCas, IPAddress remoteAddress, DateTimeOffset now) =>
        Validate(cert, username, trustedCas, remoteAddress, now, allowForceCommand: false, out _);

    /// <summary>
    /// As the other overload, but accepts a <c>force-command</c> critical option and returns its
    /// command in <paramref name="forceCommand"/>; the caller must then run that command instead
    /// of whatever the client asks for.
    /// </summary>
    public static string? Validate(SshCertificate cert, string username, IEnumerable<SshPublicKey> trustedCas, IPAddress remoteAddress, DateTimeOffset now, out string? forceCommand) =>
        Validate(cert, username, trustedCas, remoteAddress, now, allowForceCommand: true, out forceCommand);

    private static string? Validate(SshCertificate cert, string username, IEnumerable<SshPublicKey> trustedCas, IPAddress remoteAddress, DateTimeOffset now, bool allowForceCommand, out string? forceCommand)
    {
        ArgumentNullException.ThrowIfNull(cert);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(trustedCas);
        ArgumentNullException.ThrowIfNull(remoteAddress);
        forceCommand = null;

        if (cert.CertificateType != SshCertificateType.User)
        {
            return "certificate is not a user certificate";
        }

        if (!trustedCas.Any(ca => ca is not SshCertificate && ca.Equals(cert.SignatureKey)))
        {
            return $"certificate signed by untrusted CA {cert.SignatureKey.GetSha256Fingerprint()}";
        }

        if (!cert.VerifyCaSignature())
        {
            return "certificate CA signature is invalid";
        }

        long seconds = now.ToUnixTimeSeconds();
        ulong unixNow = seconds < 0 ? 0 : (ulong)seconds;
        if (unixNow < cert.ValidAfter)
        {
            return "certificate is not yet valid";
        }

        if (unixNow >= cert.ValidBefore)
        {
            return "certificate has expired";
        }

        // The spec reads an empty list as "any principal"; sshd refuses that for user
        // certificates, and so do we, so a CA cannot mint a key that logs in as everyone.
        if (cert.ValidPrincipals.Count == 0)
        {
            return "certificate lists no principals";
        }

        if (!cert.ValidPrincipals.Contains(username, StringComparer.Ordinal))
        {
            return $"user '{username}' is not a principal of the certificate";
        }

        string? command = null;
        foreach (var (name, data) in cert.CriticalOptions)
        {
            switch (name)
            {
                case "source-address":
                    {
                        string? list = SshCertificate.DecodeStringOption(data);
                        if (list is null)
                        {
                            return "certificate source-address option is malformed";
                        }

                        bool? match = MatchCidrList(list, remoteAddress);
                        if (match is null)
                        {
                            return "certificate source-address option is malformed";
                        }

                        if (match == false)
                        {
                            return $"source address {remoteAddress} is not allowed by the certificate";
                        }

                        break;
                    }

                case "force-command":
                    {
                        command = SshCertificate.DecodeStringOption(data);
                        if (command is null)
                        {
                            return "certificate force-command option is malformed";
                        }

                        if (!allowForceCommand)
                        {
                            return "certificate requires force-command, which this server cannot honour here";
                        }

                        break;
                    }

                case "verify-required":
                    // Only FIDO key types can assert user verification, and none are supported.
                    return "certificate requires user verification (verify-required), which is not supported";

                default:
                    return $"certificate has unknown critical option '{name}'";
            }
        }

        forceCommand = command;
        return null;
    }

    /// <summary>
    /// True when <paramref name="address"/> is inside one of the comma-separated CIDR ranges (or
    /// plain addresses) in <paramref name="list"/>, false when not, null when the list is malformed
    /// (a malformed list must refuse, never match everything).
    /// </summary>
    internal static bool? MatchCidrList(string list, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        bool matched = false;
        foreach (var rawEntry in list.Split(','))
        {
            string entry = rawEntry.Trim();
            if (entry.Length == 0)
            {
                return null;
            }

            int slash = entry.IndexOf('/');
            string addressPart = slash < 0 ? entry : entry[..slash];
            if (!IPAddress.TryParse(addressPart, out var network) || addressPart.Contains('%'))
            {
                return null;
            }

            int maxBits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            int prefix = maxBits;
            if (slash >= 0)
            {
                string bits = entry[(slash + 1)..];
                if (bits.Length == 0 || bits.Length > 3 || !bits.All(char.IsAsciiDigit) || (prefix = int.Parse(bits, System.Globalization.CultureInfo.InvariantCulture)) > maxBits)
                {
                    return null;
                }
            }

            // Like OpenSSH, a network address with host bits set is an error, not a silent widening.
            var networkBytes = network.GetAddressBytes();
            if (!HostBitsClear(networkBytes, prefix))
            {
                return null;
            }

            if (network.AddressFamily == address.AddressFamily && PrefixEquals(networkBytes, address.GetAddressBytes(), prefix))
            {
                matched = true;
            }
        }

        return matched;
    }

    private static bool HostBitsClear(byte[] bytes, int prefix)
    {
        for (int bit = prefix; bit < bytes.Length * 8; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool PrefixEquals(byte[] a, byte[] b, int prefix)
    {
        for (int bit = 0; bit < prefix; bit++)
        {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
