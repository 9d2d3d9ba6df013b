using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.Macs;

/// <summary>
/// The SSH MAC of RFC 4253 §6.4: <c>HMAC(key, uint32 sequence_number || data)</c>. One
/// <see cref="IncrementalHash"/> is reused for every packet so nothing is allocated per packet;
/// what <c>data</c> is (plaintext or ciphertext) is the caller's choice of mode.
/// </summary>
internal sealed class SshHmac : IDisposable
{
    private const int MaxHashSize = 64;

    private readonly IncrementalHash _hmac;

    /// <summary>Creates the MAC for the hash <paramref name="hash"/>, sending <paramref name="digestSize"/> bytes.</summary>
    public SshHmac(HashAlgorithmName hash, ReadOnlySpan<byte> key, int digestSize)
    {
        _hmac = IncrementalHash.CreateHMAC(hash, key);
        if (digestSize <= 0 || digestSize > _hmac.HashLengthInBytes)
        {
            _hmac.Dispose();
            throw new ArgumentOutOfRangeException(nameof(digestSize));
        }

        DigestSize = digestSize;
    }

    /// <summary>Bytes of MAC on the wire.</summary>
    public int DigestSize { get; }

    /// <summary>Writes the MAC of <paramref name="data"/> at <paramref name="sequenceNumber"/> to <paramref name="mac"/>.</summary>
    public void Compute(uint sequenceNumber, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[MaxHashSize];
        Span<byte> seq = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(seq, sequenceNumber);
        _hmac.AppendData(seq);
        _hmac.AppendData(data);
        int n = _hmac.GetHashAndReset(full);
        full[..DigestSize].CopyTo(mac);
        CryptographicOperations.ZeroMemory(full[..n]);
    }

    /// <summary>Checks <paramref name="mac"/> in constant time.</summary>
    public bool Verify(uint sequenceNumber, ReadOnlySpan<byte> data, ReadOnlySpan<byte> mac)
    {
        Span<byte> expected = stackalloc byte[MaxHashSize];
        expected = expected[..DigestSize];
        Compute(sequenceNumber, data, expected);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }

    /// <inheritdoc/>
    public void Dispose() => _hmac.Dispose();
}
