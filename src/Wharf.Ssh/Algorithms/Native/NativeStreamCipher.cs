using System.Runtime.InteropServices;

namespace Wharf.Ssh.Algorithms.Native;

/// <summary>
/// One libcrypto cipher context of a stream mode (AES-CTR, ChaCha20), owned by one packet
/// direction: the keystream continues from one <see cref="Transform"/> to the next until
/// <see cref="SetIv"/> starts it again. Freed (and its key schedule cleansed by OpenSSL) on
/// dispose, or by the finalizer if a connection is dropped without one.
/// </summary>
internal sealed class NativeStreamCipher : SafeHandle
{
    private static readonly Lazy<nint> s_chacha20 = new(() => LibCrypto.FetchCipher("ChaCha20"));
    private static readonly Lazy<nint> s_aes128Ctr = new(() => LibCrypto.FetchCipher("AES-128-CTR"));
    private static readonly Lazy<nint> s_aes192Ctr = new(() => LibCrypto.FetchCipher("AES-192-CTR"));
    private static readonly Lazy<nint> s_aes256Ctr = new(() => LibCrypto.FetchCipher("AES-256-CTR"));

    private NativeStreamCipher()
        : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>AES-CTR under a 16, 24 or 32 byte key from the 16-byte big-endian counter <paramref name="iv"/>; null without libcrypto.</summary>
    public static NativeStreamCipher? CreateAesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        var cipher = key.Length switch
        {
            16 => s_aes128Ctr.Value,
            24 => s_aes192Ctr.Value,
            32 => s_aes256Ctr.Value,
            _ => throw new ArgumentException("AES key must be 16, 24 or 32 bytes", nameof(key)),
        };
        if (iv.Length != 16)
        {
            throw new ArgumentException("AES-CTR counter must be 16 bytes", nameof(iv));
        }

        return Create(cipher, key, iv);
    }

    /// <summary>
    /// ChaCha20 under a 32-byte key; null without libcrypto. Set the state's last four words with
    /// <see cref="SetIv"/> before each message.
    /// </summary>
    public static NativeStreamCipher? CreateChaCha20(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("ChaCha20 takes a 32-byte key", nameof(key));
        }

        Span<byte> zeroIv = stackalloc byte[16];
        zeroIv.Clear();
        return Create(s_chacha20.Value, key, zeroIv);
    }

    private static NativeStreamCipher? Create(nint cipher, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (cipher == 0)
        {
            return null;
        }

        var result = new NativeStreamCipher();
        result.SetHandle(LibCrypto.CipherCtxNew());
        if (result.IsInvalid)
        {
            throw new OutOfMemoryException("EVP_CIPHER_CTX_new");
        }

        try
        {
            LibCrypto.CipherInit(result.handle, cipher, key, iv, enc: 1);
        }
        catch
        {
            result.Dispose();
            throw;
        }

        return result;
    }

    /// <summary>
    /// Restarts the keystream at a new IV, keeping the key. For ChaCha20 the 16 bytes are state
    /// words 12–15 as little-endian words: the block counter, then the nonce.
    /// </summary>
    public void SetIv(ReadOnlySpan<byte> iv)
    {
        using var context = new NativeHandleLease(this);
        LibCrypto.CipherInit(context.Handle, 0, default, iv, enc: -1);
    }

    /// <summary>XORs the next <c>data.Length</c> keystream bytes into <paramref name="data"/>.</summary>
    public void Transform(Span<byte> data)
    {
        using var context = new NativeHandleLease(this);
        LibCrypto.CipherUpdate(context.Handle, data, data);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LibCrypto.CipherCtxFree(handle);
        return true;
    }
}
