using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>Incoming aes*-gcm@openssh.com; see <see cref="AesGcmEncryptor"/>.</summary>
internal sealed class AesGcmDecryptor : PacketDecryptor
{
    private readonly AesGcm _gcm;
    private readonly byte[] _nonce;

    public AesGcmDecryptor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
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

    public override int LengthFieldSize => 4;

    public override uint DecryptLength(uint sequenceNumber, Span<byte> firstBytes) => BinaryPrimitives.ReadUInt32BigEndian(firstBytes);

    public override bool DecryptAndVerify(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (tag.Length != TagSize)
        {
            return false;
        }

        try
        {
            // On a mismatch the BCL wipes the output, so no unauthenticated plaintext survives.
            _gcm.Decrypt(_nonce, packet[4..], tag, packet[4..], packet[..4]);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            // The counter advances whatever the outcome: a failed packet ends the connection,
            // and a nonce must never be tried twice.
            GcmNonce.Increment(_nonce);
        }
    }

    public override void Dispose()
    {
        _gcm.Dispose();
        CryptographicOperations.ZeroMemory(_nonce);
        base.Dispose();
    }
}
