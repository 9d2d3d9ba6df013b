using System.Buffers.Binary;
using Wharf.Ssh.Algorithms.Macs;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// Incoming aes*-ctr with an HMAC. With encrypt-then-MAC nothing is decrypted before the MAC
/// over the ciphertext checks out. With encrypt-and-MAC the first block must be decrypted to
/// find the length, so the keystream runs on from there and the MAC is checked on plaintext.
/// </summary>
internal sealed class AesCtrDecryptor : PacketDecryptor
{
    private readonly AesCtrKeystream _keystream;
    private readonly SshHmac _mac;
    private readonly bool _encryptThenMac;

    public AesCtrDecryptor(AesCtrKeystream keystream, SshHmac mac, bool encryptThenMac)
    {
        _keystream = keystream;
        _mac = mac;
        _encryptThenMac = encryptThenMac;
    }

    public override int BlockSize => 16;

    public override int TagSize => _mac.DigestSize;

    public override bool AlignmentIncludesLength => !_encryptThenMac;

    public override int LengthFieldSize => _encryptThenMac ? 4 : 16;

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBytes)
    {
        if (!_encryptThenMac)
        {
            _keystream.Transform(firstBytes[..16]);
        }

        return BinaryPrimitives.ReadUInt32BigEndian(firstBytes);
    }

    public override bool DecryptAndVerify(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (_encryptThenMac)
        {
            if (!_mac.Verify(sequenceNumber, packet, tag))
            {
                return false;
            }

            _keystream.Transform(packet[4..]);
            return true;
        }

        _keystream.Transform(packet[16..]);
        return _mac.Verify(sequenceNumber, packet, tag);
    }

    public override void Dispose()
    {
        _keystream.Dispose();
        _mac.Dispose();
        base.Dispose();
    }
}
