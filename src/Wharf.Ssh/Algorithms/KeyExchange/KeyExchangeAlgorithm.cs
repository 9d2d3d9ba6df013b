using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>A key exchange method, known by its wire name.</summary>
public abstract class KeyExchangeAlgorithm
{
    /// <summary>Wire name, e.g. <c>curve25519-sha256</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The hash used for H and for key derivation.</summary>
    public abstract HashAlgorithmName HashAlgorithm { get; }

    /// <summary>Creates the server side of one exchange.</summary>
    public abstract KeyExchangeParty CreateServer(KexContext context);

    /// <summary>Creates the client side of one exchange (used by tests and tools).</summary>
    public abstract KeyExchangeParty CreateClient(KexContext context);
}
