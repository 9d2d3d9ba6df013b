namespace Wharf.Ssh.Algorithms;

/// <summary>
/// Verifies and decrypts incoming packets in one direction. The transport first hands over the
/// first <see cref="LengthFieldSize"/> bytes to learn the packet length, checks that length
/// against its limits, waits for the rest and the tag, then calls <see cref="DecryptAndVerify"/>.
/// </summary>
public abstract class PacketDecryptor : IDisposable
{
    /// <summary>Block alignment the packet must honour.</summary>
    public abstract int BlockSize { get; }

    /// <summary>Length of the MAC or tag that follows the packet.</summary>
    public abstract int TagSize { get; }

    /// <summary>See <see cref="PacketEncryptor.AlignmentIncludesLength"/>.</summary>
    public abstract bool AlignmentIncludesLength { get; }

    /// <summary>
    /// Bytes needed to learn the packet length: 4 when the length is sent in the clear or
    /// encrypted on its own (ETM, AES-GCM, chacha20-poly1305), one cipher block otherwise.
    /// </summary>
    public abstract int LengthFieldSize { get; }

    /// <summary>
    /// Returns packet_length from the first <see cref="LengthFieldSize"/> bytes of the packet.
    /// For CTR with an encrypt-and-MAC MAC this decrypts those bytes in place (and advances the
    /// keystream); otherwise <paramref name="firstBytes"/> is left as received. The caller must
    /// bound the length before trusting it: nothing has been authenticated yet.
    /// </summary>
    public abstract uint DecryptLength(uint sequenceNumber, Span<byte> firstBytes);

    /// <summary>
    /// Authenticates and decrypts <paramref name="packet"/> (the whole packet from its length
    /// field, whose first <see cref="LengthFieldSize"/> bytes already went through
    /// <see cref="DecryptLength"/>) in place. Returns false when the tag does not match; for ETM
    /// and AEAD modes nothing is decrypted then. Tags are compared in constant time.
    /// </summary>
    public abstract bool DecryptAndVerify(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
