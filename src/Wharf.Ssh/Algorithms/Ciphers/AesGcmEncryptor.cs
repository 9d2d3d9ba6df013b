using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>Outgoing aes*-gcm@openssh.com: length in the clear as AAD, the rest encrypted, 16-byte tag.</summary>
internal sealed class AesGcmEncryptor : PacketEncryptor
{
    private readonly AesGcm _gcm;
    private readonly byte[] _nonce;

    public AesGcmEncryptor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (iv.Length != GcmNonce.Size)
        {
            throw new ArgumentException("AES-GCM takes a 12-byte IV", nameof(iv));
        }

        _gcm = new AesGcm(key, 16);
        _nonce = iv.ToArray();
    }

    public override int BlockSize => 16;

    public override int TagSize => 16;

    public override bool AlignmentIncludesLength => false;

    public override void Encrypt(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        _gcm.Encrypt(_nonce, packet[4..], packet[4..], tag[..TagSize], packet[..4]);
        GcmNonce.Increment(_nonce);
    }

    public override void Dispose()
    {
        _gcm.Dispose();
        CryptographicOperations.ZeroMemory(_nonce);
        base.Dispose();
    }
}
