using System.Buffers.Binary;

namespace Wharf.Ssh.Algorithms;

/// <summary>The "none" cipher and MAC that protect nothing, used until the first NEWKEYS.</summary>
public sealed class NoneEncryptor : PacketEncryptor
{
    public override int BlockSize => 8;
    public override int TagSize => 0;
    public override bool AlignmentIncludesLength => true;
    public override void Encrypt(uint sequenceNumber, Span<byte> packet, Span<byte> tag) { }
}

/// <summary>The "none" cipher and MAC for incoming packets before the first NEWKEYS.</summary>
public sealed class NoneDecryptor : PacketDecryptor
{
    public override int BlockSize => 8;
    public override int TagSize => 0;
    public override bool AlignmentIncludesLength => true;
    public override int LengthFieldSize => 4;
    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBytes) => BinaryPrimitives.ReadUInt32BigEndian(firstBytes);
    public override bool DecryptAndVerify(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => true;
}
