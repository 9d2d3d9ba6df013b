using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>The key exchange methods Wharf implements, looked up by wire name.</summary>
public static class KeyExchangeCatalog
{
    private static readonly Dictionary<string, KeyExchangeAlgorithm> ByName;

    static KeyExchangeCatalog()
    {
        All =
        [
            new EphemeralKeyExchange("curve25519-sha256", HashAlgorithmName.SHA256, static () => new X25519KeyAgreement()),
            new EphemeralKeyExchange("curve25519-sha256@libssh.org", HashAlgorithmName.SHA256, static () => new X25519KeyAgreement()),
            new EphemeralKeyExchange("ecdh-sha2-nistp256", HashAlgorithmName.SHA256, static () => new EcdhKeyAgreement(ECCurve.NamedCurves.nistP256, 32)),
            new EphemeralKeyExchange("ecdh-sha2-nistp384", HashAlgorithmName.SHA384, static () => new EcdhKeyAgreement(ECCurve.NamedCurves.nistP384, 48)),
            new EphemeralKeyExchange("ecdh-sha2-nistp521", HashAlgorithmName.SHA512, static () => new EcdhKeyAgreement(ECCurve.NamedCurves.nistP521, 66)),
            new GroupExchangeKeyExchange("diffie-hellman-group-exchange-sha256", HashAlgorithmName.SHA256),
            Fixed("diffie-hellman-group16-sha512", HashAlgorithmName.SHA512, DiffieHellmanGroup.Group16),
            Fixed("diffie-hellman-group18-sha512", HashAlgorithmName.SHA512, DiffieHellmanGroup.Group18),
            Fixed("diffie-hellman-group14-sha256", HashAlgorithmName.SHA256, DiffieHellmanGroup.Group14),
            Fixed("diffie-hellman-group14-sha1", HashAlgorithmName.SHA1, DiffieHellmanGroup.Group14),
        ];
        ByName = All.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Every method, in default preference order (OpenSSH's, without the post-quantum hybrids).
    /// The last one, diffie-hellman-group14-sha1, is here for old clients only: SHA-1 makes it
    /// weak (RFC 9142 §3.2), so the transport leaves it out unless configured.
    /// </summary>
    public static IReadOnlyList<KeyExchangeAlgorithm> All { get; }

    /// <summary>Finds a method by its exact (case-sensitive) wire name.</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out KeyExchangeAlgorithm? algorithm) =>
        ByName.TryGetValue(name, out algorithm);

    private static EphemeralKeyExchange Fixed(string name, HashAlgorithmName hash, DiffieHellmanGroup group) =>
        new(name, hash, () => new DiffieHellmanKeyAgreement(group.P, group.G, group.ExponentBits));
}
