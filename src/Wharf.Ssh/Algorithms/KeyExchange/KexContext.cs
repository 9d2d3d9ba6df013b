using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>What a key exchange method needs from the transport to compute the exchange hash.</summary>
public sealed class KexContext
{
    /// <summary>V_C: the client's identification string, without CR LF.</summary>
    public required byte[] ClientVersion { get; init; }

    /// <summary>V_S: the server's identification string, without CR LF.</summary>
    public required byte[] ServerVersion { get; init; }

    /// <summary>I_C: the payload of the client's SSH_MSG_KEXINIT (starting with the message number).</summary>
    public required byte[] ClientKexInit { get; init; }

    /// <summary>I_S: the payload of the server's SSH_MSG_KEXINIT.</summary>
    public required byte[] ServerKexInit { get; init; }

    /// <summary>Server side: the host key that signs the exchange hash.</summary>
    public SshPrivateKey? HostKey { get; init; }

    /// <summary>
    /// Client side: checks the server's signature. Arguments are K_S (host key blob), H (exchange
    /// hash) and the signature blob (<c>string algorithm, string signature</c>); returns true when
    /// the signature is valid for <see cref="HostKeyAlgorithm"/>. The key exchange throws
    /// KeyExchangeFailed when it returns false.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, bool>? VerifyHostSignature { get; init; }

    /// <summary>The negotiated host key (signature) algorithm, e.g. <c>rsa-sha2-256</c>.</summary>
    public required string HostKeyAlgorithm { get; init; }
}
