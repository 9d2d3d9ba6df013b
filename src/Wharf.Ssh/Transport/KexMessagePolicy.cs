using Wharf.Ssh.Messages;

namespace Wharf.Ssh.Transport;

/// <summary>
/// Which messages from the peer the transport accepts while key exchange is under way (RFC 4253
/// §7.1; OpenSSH PROTOCOL §1.9, strict key exchange). Key exchange messages (KEXINIT, NEWKEYS,
/// 30–49) always go on to their handlers, which check that each comes in its place; this decides
/// about every other message.
/// </summary>
internal static class KexMessagePolicy
{
    /// <summary>
    /// Why <paramref name="number"/> must be refused now, or null when it may be processed.
    /// </summary>
    /// <param name="number">The message number.</param>
    /// <param name="initial">The peer's first NEWKEYS has not been received yet.</param>
    /// <param name="peerKexInProgress">The peer's KEXINIT of the current exchange was received and its NEWKEYS not yet.</param>
    /// <param name="strict">Strict key exchange was negotiated.</param>
    public static string? Refusal(byte number, bool initial, bool peerKexInProgress, bool strict)
    {
        if (IsKeyExchange(number) || number == SshMessageNumber.Disconnect)
        {
            return null;
        }

        if (initial)
        {
            // Until the peer's first NEWKEYS nothing is authenticated yet. In strict mode any
            // other message is how Terrapin-style prefix manipulation would show itself.
            if (strict)
            {
                return $"strict key exchange: unexpected message {number} during initial key exchange";
            }

            return IsTransportGeneric(number) ? null : $"message {number} before the first key exchange completed";
        }

        // During a rekey, RFC 4253 §7.1 forbids the peer to send anything but the exchange between
        // its KEXINIT and its NEWKEYS, but asyncssh goes on sending channel data (and OpenSSH
        // before 10.4 accepted it): user authentication and connection messages are processed as
        // usual. Their replies are held back until the exchange ends (SshSession.SendAsync,
        // HeldBackMessages, bounded), and channel data is bounded by the windows, which are not
        // replenished meanwhile. Still refused: transport messages (service requests, EXT_INFO,
        // unknown 8–19) and 128–255 (reserved and local extensions, RFC 4250 §4.1.1).
        if (peerKexInProgress && !IsTransportGeneric(number) && !IsUserAuthOrConnection(number))
        {
            return $"message {number} not allowed during key exchange";
        }

        return null;
    }

    /// <summary>User authentication (50–79) and connection protocol (80–127) messages (RFC 4250 §4.1.1).</summary>
    public static bool IsUserAuthOrConnection(byte number) => number is >= 50 and <= 127;

    /// <summary>KEXINIT, NEWKEYS and the key exchange method messages (30–49).</summary>
    public static bool IsKeyExchange(byte number) =>
        number is SshMessageNumber.KexInit or SshMessageNumber.NewKeys or (>= SshMessageNumber.KexFirst and <= SshMessageNumber.KexLast);

    /// <summary>IGNORE, DEBUG and UNIMPLEMENTED: allowed at any time outside a strict initial exchange (RFC 4253 §11).</summary>
    private static bool IsTransportGeneric(byte number) =>
        number is SshMessageNumber.Ignore or SshMessageNumber.Debug or SshMessageNumber.Unimplemented;
}
