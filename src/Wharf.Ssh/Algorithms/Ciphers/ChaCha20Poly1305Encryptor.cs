namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>Outgoing chacha20-poly1305@openssh.com: length under K_1, rest under K_2, Poly1305 over both ciphertexts.</summary>
internal sealed class ChaCha20Poly1305Encryptor : PacketEncryptor
{
    private readonly OpenSshChaCha20Poly1305 _cipher;

    public ChaCha20Poly1305Encryptor(ReadOnlySpan<byte> key) => _cipher = new OpenSshChaCha20Poly1305(key);

    public override int BlockSize => 8;

    public override int TagSize => OpenSshChaCha20Poly1305.TagSize;

    public override bool AlignmentIncludesLength => false;

    public override void Encrypt(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        _cipher.CryptLength(sequenceNumber, packet[..4]);
        _cipher.CryptPayload(sequenceNumber, packet[4..]);
        _cipher.ComputeTag(sequenceNumber, packet, tag[..TagSize]);
    }

    public override void Dispose()
    {
        _cipher.Dispose();
        base.Dispose();
    }
}
