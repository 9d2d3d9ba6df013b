using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>The key exchange methods Wharf implements, looked up by wire name.</summary>
public static class KeyExchangeCatalog
{
    private static readonly Dictionary<string, KeyExchangeAlgorithm> ByName;

    static KeyExchangeCatalog()
    {
        var mlkem768x25519 = new HybridKem(static () => new MlKem768(), static () => new X25519KeyAgreement(), HashAlgorithmName.SHA256);
        var sntrup761x25519 = new HybridKem(static () => new Sntrup761(), static () => new X25519KeyAgreement(), HashAlgorithmName.SHA512);
        var mlkem768nistp256 = new HybridKem(
            static () => new MlKem768(), static () => new EcdhKeyAgreement(ECCurve.NamedCurves.nistP256, 32), HashAlgorithmName.SHA256);
        All =
        [
            new EphemeralKeyExchange("mlkem768x25519-sha256", HashAlgorithmName.SHA256, mlkem768x25519.Create),
            new EphemeralKeyExchange("sntrup761x25519-sha512", HashAlgorithmName.SHA512, sntrup761x25519.Create),
            new EphemeralKeyExchange("sntrup761x25519-sha512@openssh.com", HashAlgorithmName.SHA512, sntrup761x25519.Create),
            Symmetric("curve25519-sha256", HashAlgorithmName.SHA256, static () => new X25519KeyAgreement()),
            Symmetric("curve25519-sha256@libssh.org", HashAlgorithmName.SHA256, static () => new X25519KeyAgreement()),
            Symmetric("ecdh-sha2-nistp256", HashAlgorithmName.SHA256, static () => new EcdhKeyAgreement(ECCurve.NamedCurves.nistP256, 32)),
            Symmetric("ecdh-sha2-nistp384", HashAlgorithmName.SHA384, static () => new EcdhKeyAgreement(ECCurve.NamedCurves.nistP384, 48)),
            Symmetric("ecdh-sha2-nistp521", HashAlgorithmName.SHA512, static () => new EcdhKeyAgreement(ECCurve.NamedCurves.nistP521, 66)),
            new GroupExchangeKeyExchange("diffie-hellman-group-exchange-sha256", HashAlgorithmName.SHA256),
            Fixed("diffie-hellman-group16-sha512", HashAlgorithmName.SHA512, DiffieHellmanGroup.Group16),
            Fixed("diffie-hellman-group18-sha512", HashAlgorithmName.SHA512, DiffieHellmanGroup.Group18),
            Fixed("diffie-hellman-group14-sha256", HashAlgorithmName.SHA256, DiffieHellmanGroup.Group14),
            new EphemeralKeyExchange("mlkem768nistp256-sha256", HashAlgorithmName.SHA256, mlkem768nistp256.Create),
            Fixed("diffie-hellman-group14-sha1", HashAlgorithmName.SHA1, DiffieHellmanGroup.Group14),
        ];
        ByName = All.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Every method, in preference order: OpenSSH 10's, post-quantum hybrids first
    /// (mlkem768x25519-sha256, then sntrup761x25519-sha512 under both names), so a session
    /// recorded today cannot be decrypted later by someone with a quantum computer. Two are for
    /// explicit configuration only and sit near the end: mlkem768nistp256-sha256, which OpenSSH
    /// implements but does not offer by default, and diffie-hellman-group14-sha1, for old clients
    /// (SHA-1 makes it weak, RFC 9142 §3.2). The server's default offer is
    /// <see cref="SshServerOptions.KeyExchangeAlgorithms"/>.
    /// </summary>
    public static IReadOnlyList<KeyExchangeAlgorithm> All { get; }

    /// <summary>Finds a method by its exact (case-sensitive) wire name.</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out KeyExchangeAlgorithm? algorithm) =>
        ByName.TryGetValue(name, out algorithm);

    /// <summary>A Diffie-Hellman style method, where both sides build the same kind of agreement.</summary>
    private static EphemeralKeyExchange Symmetric(string name, HashAlgorithmName hash, Func<KeyAgreement> create) =>
        new(name, hash, _ => create());

    private static EphemeralKeyExchange Fixed(string name, HashAlgorithmName hash, DiffieHellmanGroup group) =>
        Symmetric(name, hash, () => new DiffieHellmanKeyAgreement(group.P, group.G, group.ExponentBits));
}
