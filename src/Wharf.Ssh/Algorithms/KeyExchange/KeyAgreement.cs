using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// One side's ephemeral key material for a single-round exchange (DH, ECDH, X25519, or a
/// post-quantum hybrid). The public values are read and written in their wire form (a
/// <c>string</c> for the curve and hybrid methods, an <c>mpint</c> for DH), and that same form
/// goes into H, so the agreement owns both. A hybrid's server value depends on the client's, so
/// the server reads the peer's value before writing its own.
/// </summary>
internal abstract class KeyAgreement : IDisposable
{
    /// <summary>Writes this side's public value (Q or e/f) as it appears on the wire and in H.</summary>
    public abstract void WriteLocalPublic(SshWriter w);

    /// <summary>Reads and validates the peer's public value; invalid values throw KeyExchangeFailed.</summary>
    public abstract void ReadPeerPublic(ref SshReader r);

    /// <summary>Writes the peer's public value as read, in the form used in H.</summary>
    public abstract void WritePeerPublic(SshWriter w);

    /// <summary>
    /// Computes K in the encoding the method hashes: an mpint (uint32 length + magnitude) for
    /// DH, ECDH and X25519, a string (uint32 length + digest) for the hybrids. Needs
    /// <see cref="ReadPeerPublic"/> first.
    /// </summary>
    public abstract byte[] DeriveSharedSecret();

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>Encodes an unsigned big-endian magnitude as a wire mpint (with its length prefix).</summary>
    protected static byte[] EncodeUnsignedMpint(ReadOnlySpan<byte> magnitude)
    {
        using var w = new SshWriter(magnitude.Length + 8);
        w.WriteMpintFromUnsigned(magnitude);
        var result = w.ToArray();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(w.WrittenSpan);
        return result;
    }
}
