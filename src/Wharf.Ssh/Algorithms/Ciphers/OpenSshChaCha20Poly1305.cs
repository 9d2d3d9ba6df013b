using System.Buffers.Binary;
using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.Native;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// The chacha20-poly1305@openssh.com construction (OpenSSH PROTOCOL.chacha20poly1305), shared
/// by the encryptor and decryptor. Key material is K_2 (first 32 bytes, payload and Poly1305
/// key) || K_1 (last 32 bytes, length only); the ChaCha20 nonce is the sequence number as a
/// big-endian uint64.
/// </summary>
/// <remarks>
/// Where libcrypto 3 is present (and agrees with the managed code, <see cref="NativeCryptoCheck"/>)
/// the payload keystream is its raw ChaCha20 with state words 12–15 set to (1, 0, nonce) and the
/// tag its Poly1305, as OpenSSH itself computes them. Otherwise the payload keystream (K_2, block
/// counter 1 onwards) is produced by the BCL's RFC 8439
/// ChaCha20-Poly1305 with the 96-bit nonce <c>00000000 || uint64be(seq)</c>: RFC 8439 puts a
/// 32-bit counter in word 12 and the nonce in words 13–15, the original ChaCha20 a 64-bit
/// counter in words 12–13 and the nonce in 14–15, so with the counter's high word zero (packets
/// are far below 2^32 blocks) the states are identical, and RFC 8439 also starts the payload at
/// counter 1. Its own tag is computed over the wrong data and discarded. Block 0 (the Poly1305
/// key) and the length mask are single blocks computed here.
/// </remarks>
internal sealed class OpenSshChaCha20Poly1305 : IDisposable
{
    /// <summary>Bytes of key material.</summary>
    public const int KeySize = 64;

    /// <summary>Bytes of tag.</summary>
    public const int TagSize = 16;

    private readonly uint[] _mainKey = new uint[8];
    private readonly uint[] _lengthKey = new uint[8];
    private readonly ChaCha20Poly1305? _bulk;
    private readonly NativeStreamCipher? _nativeChaCha;
    private readonly NativePoly1305? _nativePoly;
    private readonly byte[] _iv = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _block = new byte[ChaCha20.BlockSize];
    private bool _disposed;

    /// <summary>
    /// Keys the construction with the 64 bytes K_2 || K_1; <paramref name="allowNative"/> false
    /// keeps it off libcrypto (tests compare the two).
    /// </summary>
    public OpenSshChaCha20Poly1305(ReadOnlySpan<byte> key, bool allowNative = true)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("chacha20-poly1305@openssh.com takes 64 bytes of key", nameof(key));
        }

        ChaCha20.LoadKey(key[..32], _mainKey);
        ChaCha20.LoadKey(key[32..], _lengthKey);
        if (allowNative && NativeCryptoCheck.Passed)
        {
            _nativeChaCha = NativeStreamCipher.CreateChaCha20(key[..32]);
            _nativePoly = NativePoly1305.Create();
            if (_nativeChaCha is not null && _nativePoly is not null)
            {
                // Word 12 (the block counter's low half) is 1 for the payload; words 14-15 take the nonce.
                _iv[0] = 1;
                return;
            }

            _nativeChaCha?.Dispose();
            _nativePoly?.Dispose();
            _nativeChaCha = null;
            _nativePoly = null;
        }

        if (ChaCha20Poly1305.IsSupported)
        {
            _bulk = new ChaCha20Poly1305(key[..32]);
        }
    }

    /// <summary>Whether libcrypto computes the payload keystream and the tag.</summary>
    internal bool IsNative => _nativeChaCha is not null;

    /// <summary>XORs the K_1 keystream (block 0) into the 4-byte length field; encrypts and decrypts.</summary>
    public void CryptLength(uint sequenceNumber, Span<byte> length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ChaCha20.Block(_lengthKey, 0, 0, 0, NonceWord(sequenceNumber), _block);
        XorHelper.XorInPlace(length[..4], _block);
        CryptographicOperations.ZeroMemory(_block);
    }

    /// <summary>XORs the K_2 keystream from block 1 into <paramref name="payload"/>; encrypts and decrypts.</summary>
    public void CryptPayload(uint sequenceNumber, Span<byte> payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_nativeChaCha is not null)
        {
            BinaryPrimitives.WriteUInt64BigEndian(_iv.AsSpan(8), sequenceNumber);
            _nativeChaCha.SetIv(_iv);
            _nativeChaCha.Transform(payload);
            return;
        }

        if (_bulk is null)
        {
            ChaCha20.XorOriginal(_mainKey, 1, (ulong)NonceWord(sequenceNumber) << 32, payload, _block);
            return;
        }

        BinaryPrimitives.WriteUInt64BigEndian(_nonce.AsSpan(4), sequenceNumber);
        Span<byte> discardedTag = stackalloc byte[16];
        _bulk.Encrypt(_nonce, payload, payload, discardedTag);
    }

    /// <summary>
    /// Writes Poly1305 over <paramref name="packet"/> (encrypted length || encrypted rest) keyed
    /// by the first 32 bytes of K_2's block 0.
    /// </summary>
    public void ComputeTag(uint sequenceNumber, ReadOnlySpan<byte> packet, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ChaCha20.Block(_mainKey, 0, 0, 0, NonceWord(sequenceNumber), _block);
        if (_nativePoly is not null)
        {
            _nativePoly.Compute(_block.AsSpan(0, Poly1305.KeySize), packet, tag);
        }
        else
        {
            Poly1305.Compute(_block.AsSpan(0, Poly1305.KeySize), packet, tag);
        }

        CryptographicOperations.ZeroMemory(_block);
    }

    /// <summary>
    /// State word 15 for this sequence number. The nonce bytes are uint64be(seq), read as two
    /// little-endian words: word 14 is the (zero) high half, word 15 the low half byte-swapped.
    /// </summary>
    private static uint NonceWord(uint sequenceNumber) => BinaryPrimitives.ReverseEndianness(sequenceNumber);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _bulk?.Dispose();
        _nativeChaCha?.Dispose();
        _nativePoly?.Dispose();
        Array.Clear(_mainKey);
        Array.Clear(_lengthKey);
        CryptographicOperations.ZeroMemory(_block);
    }
}
