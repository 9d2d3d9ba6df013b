using System.Buffers.Binary;
using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.Native;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// AES in counter mode (RFC 4344 §4): the keystream is AES_K(X), AES_K(X+1), ... with X the
/// 128-bit big-endian counter taken from the IV, continuing across packets. Where libcrypto 3
/// is present (and agrees with this code, <see cref="NativeCryptoCheck"/>) its CTR mode does
/// the work in one pass. Otherwise, since the BCL has no CTR mode, counter blocks are encrypted
/// with ECB a chunk at a time through one reused <see cref="ICryptoTransform"/> (unlike
/// <c>Aes.EncryptEcb</c>, it allocates nothing per call) and XORed in.
/// </summary>
internal sealed class AesCtrKeystream : IDisposable
{
    // 16 KiB amortises the per-call cost of the native transform while staying cache-resident.
    private const int ChunkBytes = 16 * 1024;

    private readonly NativeStreamCipher? _native;
    private readonly Aes? _aes;
    private readonly ICryptoTransform? _ecb;
    private readonly byte[] _counters = [];
    private readonly byte[] _keystream = [];
    private int _offset = ChunkBytes;
    private ulong _counterHigh;
    private ulong _counterLow;
    private bool _disposed;

    /// <summary>
    /// Creates the keystream for a 16, 24 or 32 byte key and a 16-byte initial counter;
    /// <paramref name="allowNative"/> false keeps it in managed code (tests, the native check).
    /// </summary>
    public AesCtrKeystream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, bool allowNative = true)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException("AES key must be 16, 24 or 32 bytes", nameof(key));
        }

        if (iv.Length != 16)
        {
            throw new ArgumentException("AES-CTR counter must be 16 bytes", nameof(iv));
        }

        if (allowNative && NativeCryptoCheck.Passed)
        {
            _native = NativeStreamCipher.CreateAesCtr(key, iv);
            if (_native is not null)
            {
                return;
            }
        }

        _counters = new byte[ChunkBytes];
        _keystream = new byte[ChunkBytes];
        _aes = Aes.Create();
        _aes.SetKey(key);
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
        _counterHigh = BinaryPrimitives.ReadUInt64BigEndian(iv);
        _counterLow = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
    }

    /// <summary>Whether libcrypto produces this keystream.</summary>
    internal bool IsNative => _native is not null;

    /// <summary>XORs the next <c>data.Length</c> keystream bytes into <paramref name="data"/>.</summary>
    public void Transform(Span<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_native is not null)
        {
            _native.Transform(data);
            return;
        }

        while (!data.IsEmpty)
        {
            if (_offset == ChunkBytes)
            {
                Refill();
            }

            int n = Math.Min(data.Length, ChunkBytes - _offset);
            XorHelper.XorInPlace(data[..n], _keystream.AsSpan(_offset, n));
            _offset += n;
            data = data[n..];
        }
    }

    private void Refill()
    {
        var counters = _counters.AsSpan();
        ulong high = _counterHigh, low = _counterLow;
        for (int i = 0; i < ChunkBytes; i += 16)
        {
            BinaryPrimitives.WriteUInt64BigEndian(counters.Slice(i, 8), high);
            BinaryPrimitives.WriteUInt64BigEndian(counters.Slice(i + 8, 8), low);
            low++;
            if (low == 0)
            {
                high++;
            }
        }

        _counterHigh = high;
        _counterLow = low;
        int written = _ecb!.TransformBlock(_counters, 0, ChunkBytes, _keystream, 0);
        if (written != ChunkBytes)
        {
            throw new CryptographicException("AES-ECB transform returned a short block");
        }

        _offset = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _native?.Dispose();
        _ecb?.Dispose();
        _aes?.Dispose();
        // The keystream is as sensitive as the key for data not yet sent.
        CryptographicOperations.ZeroMemory(_keystream);
        CryptographicOperations.ZeroMemory(_counters);
        _counterHigh = _counterLow = 0;
    }
}
