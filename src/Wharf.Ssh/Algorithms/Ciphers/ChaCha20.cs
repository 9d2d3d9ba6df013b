using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// The ChaCha20 block function (RFC 8439 §2.3) over an explicit 16-word state layout, so that
/// both the IETF variant (32-bit counter, 96-bit nonce) and the original one OpenSSH uses
/// (64-bit counter, 64-bit nonce) are just different choices of words 12–15.
/// chacha20-poly1305@openssh.com needs only single blocks here (the Poly1305 key and the length
/// mask); the bulk payload keystream comes from the BCL when it can.
/// </summary>
internal static class ChaCha20
{
    /// <summary>Bytes per block.</summary>
    public const int BlockSize = 64;

    /// <summary>Loads a 32-byte key as the eight little-endian words of the state.</summary>
    public static void LoadKey(ReadOnlySpan<byte> key, Span<uint> words)
    {
        if (key.Length != 32 || words.Length != 8)
        {
            throw new ArgumentException("ChaCha20 takes a 32-byte key");
        }

        for (int i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(i * 4, 4));
        }
    }

    /// <summary>
    /// Writes one 64-byte keystream block for the key <paramref name="key"/> (8 words) and state
    /// words 12 to 15 (<paramref name="w12"/> ... <paramref name="w15"/>).
    /// </summary>
    public static void Block(ReadOnlySpan<uint> key, uint w12, uint w13, uint w14, uint w15, Span<byte> output)
    {
        if (key.Length != 8 || output.Length < BlockSize)
        {
            throw new ArgumentException("ChaCha20 block needs 8 key words and 64 bytes of output");
        }

        const uint c0 = 0x61707865, c1 = 0x3320646e, c2 = 0x79622d32, c3 = 0x6b206574;
        uint k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3], k4 = key[4], k5 = key[5], k6 = key[6], k7 = key[7];
        uint x0 = c0, x1 = c1, x2 = c2, x3 = c3;
        uint x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
        uint x12 = w12, x13 = w13, x14 = w14, x15 = w15;

        for (int i = 0; i < 10; i++)
        {
            // Column round.
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            // Diagonal round.
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(output, x0 + c0);
        BinaryPrimitives.WriteUInt32LittleEndian(output[4..], x1 + c1);
        BinaryPrimitives.WriteUInt32LittleEndian(output[8..], x2 + c2);
        BinaryPrimitives.WriteUInt32LittleEndian(output[12..], x3 + c3);
        BinaryPrimitives.WriteUInt32LittleEndian(output[16..], x4 + k0);
        BinaryPrimitives.WriteUInt32LittleEndian(output[20..], x5 + k1);
        BinaryPrimitives.WriteUInt32LittleEndian(output[24..], x6 + k2);
        BinaryPrimitives.WriteUInt32LittleEndian(output[28..], x7 + k3);
        BinaryPrimitives.WriteUInt32LittleEndian(output[32..], x8 + k4);
        BinaryPrimitives.WriteUInt32LittleEndian(output[36..], x9 + k5);
        BinaryPrimitives.WriteUInt32LittleEndian(output[40..], x10 + k6);
        BinaryPrimitives.WriteUInt32LittleEndian(output[44..], x11 + k7);
        BinaryPrimitives.WriteUInt32LittleEndian(output[48..], x12 + w12);
        BinaryPrimitives.WriteUInt32LittleEndian(output[52..], x13 + w13);
        BinaryPrimitives.WriteUInt32LittleEndian(output[56..], x14 + w14);
        BinaryPrimitives.WriteUInt32LittleEndian(output[60..], x15 + w15);
    }

    /// <summary>
    /// XORs the keystream of the original (64-bit counter, 64-bit nonce) ChaCha20 into
    /// <paramref name="data"/>, starting at block <paramref name="counter"/>. Used only where the
    /// BCL's ChaCha20 is unavailable; it is scalar and several times slower.
    /// </summary>
    public static void XorOriginal(ReadOnlySpan<uint> key, ulong counter, ulong nonceWords, Span<byte> data, Span<byte> scratch)
    {
        while (!data.IsEmpty)
        {
            Block(key, (uint)counter, (uint)(counter >> 32), (uint)nonceWords, (uint)(nonceWords >> 32), scratch);
            int n = Math.Min(BlockSize, data.Length);
            XorHelper.XorInPlace(data[..n], scratch[..n]);
            data = data[n..];
            counter++;
        }

        scratch[..BlockSize].Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d = BitOperations.RotateLeft(d ^ a, 16);
        c += d; b = BitOperations.RotateLeft(b ^ c, 12);
        a += b; d = BitOperations.RotateLeft(d ^ a, 8);
        c += d; b = BitOperations.RotateLeft(b ^ c, 7);
    }
}
