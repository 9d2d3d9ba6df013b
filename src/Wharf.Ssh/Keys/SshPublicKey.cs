namespace Wharf.Ssh.Keys;

/// <summary>
/// A public key (or OpenSSH certificate) as it travels on the wire. Subclasses exist per key
/// family; <c>Parse</c> picks the right one from the blob's key type.
/// </summary>
public abstract partial class SshPublicKey
{
    /// <summary>The key type name that starts the blob (<c>ssh-ed25519</c>, <c>ecdsa-sha2-nistp256</c>, <c>ssh-rsa</c>, or a <c>*-cert-v01@openssh.com</c> type).</summary>
    public abstract string KeyType { get; }

    /// <summary>The public key blob exactly as encoded on the wire (RFC 4253 §6.6).</summary>
    public abstract ReadOnlyMemory<byte> Blob { get; }

    /// <summary>Key size in bits (256 for Ed25519, the curve size for ECDSA, the modulus size for RSA).</summary>
    public abstract int KeySizeBits { get; }

    /// <summary>
    /// Signature algorithms this key can verify, strongest first (for RSA keys:
    /// rsa-sha2-512, rsa-sha2-256, ssh-rsa; for the others, the key type).
    /// </summary>
    public abstract IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>
    /// Verifies <paramref name="signature"/> (the raw signature bytes, i.e. the second string
    /// inside the signature blob) over <paramref name="data"/> with
    /// <paramref name="signatureAlgorithm"/>. Returns false for a wrong signature, a malformed
    /// signature, or an algorithm that does not belong to this key type.
    /// </summary>
    public abstract bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}
