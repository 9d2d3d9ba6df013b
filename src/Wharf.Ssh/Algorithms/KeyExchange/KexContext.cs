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

    /// <summary>The negotiated host key (signature) algorithm, e.g. <c>rsa-sha2-256</c>.</summary>
    public required string HostKeyAlgorithm { get; init; }
}
