namespace Wharf.Ssh.Algorithms;

/// <summary>
/// Protects outgoing packets in one direction: the negotiated cipher and MAC together (or an
/// AEAD cipher alone). The transport lays out each packet as
/// <c>uint32 packet_length || byte padding_length || payload || random padding</c> in plaintext,
/// chooses padding so that the aligned region is a multiple of <see cref="BlockSize"/>, then
/// calls <see cref="Encrypt"/> to encrypt in place and write the tag that follows the packet.
/// </summary>
public abstract class PacketEncryptor : IDisposable
{
    /// <summary>Padding alignment (the cipher block size, at least 8).</summary>
    public abstract int BlockSize { get; }

    /// <summary>Length of the MAC or AEAD tag appended after the packet (0 for none).</summary>
    public abstract int TagSize { get; }

    /// <summary>
    /// True when the 4-byte length field counts towards the block alignment (no cipher, and
    /// CTR with an encrypt-and-MAC MAC); false when it does not (ETM MACs, AES-GCM,
    /// chacha20-poly1305), per RFC 4253 §6, RFC 5647 §7.2 and OpenSSH's PROTOCOL.
    /// </summary>
    public abstract bool AlignmentIncludesLength { get; }

    /// <summary>
    /// Encrypts <paramref name="packet"/> (the whole packet, starting with its length field) in
    /// place and writes <see cref="TagSize"/> bytes to <paramref name="tag"/>.
    /// </summary>
    public abstract void Encrypt(uint sequenceNumber, Span<byte> packet, Span<byte> tag);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
