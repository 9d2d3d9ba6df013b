using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// Incoming chacha20-poly1305@openssh.com. The length is decrypted from a copy, because the tag
/// covers the length as it was received; nothing in the packet changes until the tag is verified.
/// </summary>
internal sealed class ChaCha20Poly1305Decryptor : PacketDecryptor
{
    private readonly OpenSshChaCha20Poly1305 _cipher;

    public ChaCha20Poly1305Decryptor(ReadOnlySpan<byte> key) => _cipher = new OpenSshChaCha20Poly1305(key);

    public override int BlockSize => 8;

    public override int TagSize => OpenSshChaCha20Poly1305.TagSize;

    public override bool AlignmentIncludesLength => false;

    public override int LengthFieldSize => 4;

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBytes)
    {
        Span<byte> length = stackalloc byte[4];
        firstBytes[..4].CopyTo(length);
        _cipher.CryptLength(sequenceNumber, length);
        return BinaryPrimitives.ReadUInt32BigEndian(length);
    }

    public override bool DecryptAndVerify(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[OpenSshChaCha20Poly1305.TagSize];
        _cipher.ComputeTag(sequenceNumber, packet, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag))
        {
            return false;
        }

        _cipher.CryptLength(sequenceNumber, packet[..4]);
        _cipher.CryptPayload(sequenceNumber, packet[4..]);
        return true;
    }

    public override void Dispose()
    {
        _cipher.Dispose();
        base.Dispose();
    }
}
