using Wharf.Ssh.Algorithms.Macs;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// Outgoing aes*-ctr with an HMAC. Encrypt-and-MAC (RFC 4253 §6.4) MACs the plaintext packet
/// and encrypts all of it; encrypt-then-MAC (OpenSSH PROTOCOL §1.5) leaves the length in the
/// clear and MACs the ciphertext.
/// </summary>
internal sealed class AesCtrEncryptor : PacketEncryptor
{
    private readonly AesCtrKeystream _keystream;
    private readonly SshHmac _mac;
    private readonly bool _encryptThenMac;

    public AesCtrEncryptor(AesCtrKeystream keystream, SshHmac mac, bool encryptThenMac)
    {
        _keystream = keystream;
        _mac = mac;
        _encryptThenMac = encryptThenMac;
    }

    public override int BlockSize => 16;

    public override int TagSize => _mac.DigestSize;

    public override bool AlignmentIncludesLength => !_encryptThenMac;

    public override void Encrypt(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (_encryptThenMac)
        {
            _keystream.Transform(packet[4..]);
            _mac.Compute(sequenceNumber, packet, tag);
        }
        else
        {
            _mac.Compute(sequenceNumber, packet, tag);
            _keystream.Transform(packet);
        }
    }

    public override void Dispose()
    {
        _keystream.Dispose();
        _mac.Dispose();
        base.Dispose();
    }
}
