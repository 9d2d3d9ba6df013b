using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// A key encapsulation mechanism as the hybrid methods use it: the client makes a key pair and
/// sends the public key, the server encapsulates a fresh secret against it and sends the
/// ciphertext, the client decapsulates. Sizes are fixed per mechanism and checked exactly.
/// </summary>
internal abstract class KeyEncapsulation
{
    /// <summary>Both mechanisms used in SSH produce a 32-byte shared secret.</summary>
    public const int SharedSecretLength = 32;

    /// <param name="random">
    /// Where keys and encapsulations get their randomness; null for the operating system's
    /// generator. Only known-answer tests pass one, to replay published vectors.
    /// </param>
    protected KeyEncapsulation(SecureRandom? random) =>
        Random = random ?? new SecureRandom(new CryptoApiRandomGenerator());

    /// <summary>The exact length of a public (encapsulation) key on the wire.</summary>
    public abstract int PublicKeyLength { get; }

    /// <summary>The exact length of a ciphertext on the wire.</summary>
    public abstract int CiphertextLength { get; }

    /// <summary>The generator handed to BouncyCastle.</summary>
    protected SecureRandom Random { get; }

    /// <summary>Client: a fresh key pair.</summary>
    public abstract KemKeyPair GenerateKeyPair();

    /// <summary>
    /// Server: validates the peer's public key (its length is already checked) and returns the
    /// ciphertext and the shared secret. An unacceptable key throws KeyExchangeFailed.
    /// </summary>
    public abstract (byte[] Ciphertext, byte[] SharedSecret) Encapsulate(ReadOnlySpan<byte> publicKey);
}

/// <summary>The client's key pair of one exchange.</summary>
internal abstract class KemKeyPair : IDisposable
{
    /// <summary>The public (encapsulation) key as sent on the wire.</summary>
    public abstract ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>
    /// Returns the shared secret for a ciphertext of the right length. Both mechanisms reject
    /// implicitly: a tampered ciphertext yields an unrelated secret rather than an error, and the
    /// exchange then fails when the host key signature over H does not verify.
    /// </summary>
    public abstract byte[] Decapsulate(ReadOnlySpan<byte> ciphertext);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
