namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Method-specific message numbers. The same numbers mean different things per method
/// (RFC 4250 §4.1.2), so they are named per family.
/// </summary>
internal static class KexMessageNumbers
{
    /// <summary>SSH_MSG_KEXDH_INIT (RFC 4253 §8) and SSH_MSG_KEX_ECDH_INIT (RFC 5656 §7.1).</summary>
    public const byte EphemeralInit = 30;

    /// <summary>SSH_MSG_KEXDH_REPLY (RFC 4253 §8) and SSH_MSG_KEX_ECDH_REPLY (RFC 5656 §7.1).</summary>
    public const byte EphemeralReply = 31;

    /// <summary>SSH_MSG_KEX_DH_GEX_REQUEST_OLD (RFC 4419 §5); not supported.</summary>
    public const byte GexRequestOld = 30;

    /// <summary>SSH_MSG_KEX_DH_GEX_GROUP (RFC 4419 §5).</summary>
    public const byte GexGroup = 31;

    /// <summary>SSH_MSG_KEX_DH_GEX_INIT (RFC 4419 §5).</summary>
    public const byte GexInit = 32;

    /// <summary>SSH_MSG_KEX_DH_GEX_REPLY (RFC 4419 §5).</summary>
    public const byte GexReply = 33;

    /// <summary>SSH_MSG_KEX_DH_GEX_REQUEST (RFC 4419 §5).</summary>
    public const byte GexRequest = 34;
}
