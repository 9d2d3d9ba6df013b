using Wharf.Ssh.Algorithms.Ciphers;

namespace Wharf.Ssh.Algorithms.Native;

/// <summary>
/// A known-answer check run once before libcrypto is used for packets: the native AES-CTR,
/// ChaCha20 and Poly1305 must give exactly what the managed code gives on inputs that exercise
/// the layouts that could differ (the counter carry across 64 bits, ChaCha20's counter and
/// nonce words, a partial Poly1305 block). On any difference, or any failure, the managed code
/// is used.
/// </summary>
internal static class NativeCryptoCheck
{
    private static readonly Lazy<bool> s_passed = new(Run);

    /// <summary>True when libcrypto is loaded and agrees with the managed implementations.</summary>
    public static bool Passed => s_passed.Value;

    private static bool Run()
    {
        if (!LibCrypto.IsLoaded)
        {
            return false;
        }

        try
        {
            return AesCtrAgrees() && ChaCha20Agrees() && Poly1305Agrees();
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static byte[] Pattern(int length, byte seed)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 131) + seed);
        }

        return bytes;
    }

    private static bool AesCtrAgrees()
    {
        var key = Pattern(16, 7);
        // The low 64 bits are 2 blocks from wrapping: the carry must reach the high half.
        var iv = Pattern(16, 3);
        iv.AsSpan(8).Fill(0xFF);
        iv[15] = 0xFE;
        var expected = Pattern(100, 11);
        var actual = (byte[])expected.Clone();
        using (var managed = new AesCtrKeystream(key, iv, allowNative: false))
        {
            managed.Transform(expected.AsSpan(0, 37));
            managed.Transform(expected.AsSpan(37));
        }

        using (var native = NativeStreamCipher.CreateAesCtr(key, iv))
        {
            if (native is null)
            {
                return false;
            }

            native.Transform(actual.AsSpan(0, 37));
            native.Transform(actual.AsSpan(37));
        }

        return expected.AsSpan().SequenceEqual(actual);
    }

    private static bool ChaCha20Agrees()
    {
        var key = Pattern(32, 5);
        Span<uint> words = stackalloc uint[8];
        ChaCha20.LoadKey(key, words);
        Span<byte> expected = stackalloc byte[2 * ChaCha20.BlockSize];
        ChaCha20.Block(words, 1, 0, 0x01020304, 0x05060708, expected);
        ChaCha20.Block(words, 2, 0, 0x01020304, 0x05060708, expected[ChaCha20.BlockSize..]);

        using var native = NativeStreamCipher.CreateChaCha20(key);
        if (native is null)
        {
            return false;
        }

        // State words 12-15, little-endian: counter 1, 0, then the two nonce words.
        Span<byte> iv = [1, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x03, 0x02, 0x01, 0x08, 0x07, 0x06, 0x05];
        native.SetIv(iv);
        Span<byte> actual = stackalloc byte[2 * ChaCha20.BlockSize];
        actual.Clear();
        native.Transform(actual[..10]);
        native.Transform(actual[10..]);
        return expected.SequenceEqual(actual);
    }

    private static bool Poly1305Agrees()
    {
        var key = Pattern(32, 9);
        var message = Pattern(16 * 5 + 7, 1);
        Span<byte> expected = stackalloc byte[16];
        Span<byte> actual = stackalloc byte[16];
        Poly1305.Compute(key, message, expected);
        using var native = NativePoly1305.Create();
        if (native is null)
        {
            return false;
        }

        native.Compute(key, message, actual);
        return expected.SequenceEqual(actual);
    }
}
