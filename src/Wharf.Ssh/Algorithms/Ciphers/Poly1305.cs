using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// One-shot Poly1305 (RFC 8439 §2.5) with the accumulator in 64-bit limbs and 64×64→128-bit
/// multiplies, several times faster than BouncyCastle's 26-bit managed version. Arithmetic is
/// branch-free on secret data.
/// </summary>
internal static class Poly1305
{
    /// <summary>Bytes of one-time key (r || s).</summary>
    public const int KeySize = 32;

    /// <summary>Bytes of tag.</summary>
    public const int TagSize = 16;

    /// <summary>Writes the 16-byte tag of <paramref name="message"/> under the one-time <paramref name="key"/>.</summary>
    public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        if (key.Length != KeySize || tag.Length < TagSize)
        {
            throw new ArgumentException("Poly1305 takes a 32-byte key and a 16-byte tag");
        }

        // Clamp r (RFC 8439 §2.5.1). r1's two low bits are then clear, which lets a product
        // landing at 2^128 be folded as (r1 / 4) * 5 (since 2^130 ≡ 5 mod p).
        ulong r0 = BinaryPrimitives.ReadUInt64LittleEndian(key) & 0x0FFFFFFC0FFFFFFFUL;
        ulong r1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]) & 0x0FFFFFFC0FFFFFFCUL;
        ulong s1 = r1 + (r1 >> 2);
        ulong h0 = 0, h1 = 0, h2 = 0;

        while (message.Length >= 16)
        {
            ulong m0 = BinaryPrimitives.ReadUInt64LittleEndian(message);
            ulong m1 = BinaryPrimitives.ReadUInt64LittleEndian(message[8..]);
            ProcessBlock(ref h0, ref h1, ref h2, m0, m1, 1, r0, r1, s1);
            message = message[16..];
        }

        if (!message.IsEmpty)
        {
            // The last partial block gets its 0x01 byte right after the data and no 2^128 bit.
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            message.CopyTo(last);
            last[message.Length] = 1;
            ProcessBlock(ref h0, ref h1, ref h2,
                BinaryPrimitives.ReadUInt64LittleEndian(last), BinaryPrimitives.ReadUInt64LittleEndian(last[8..]), 0, r0, r1, s1);
        }

        // h < 2p here, so one conditional subtraction of p (done as "add 5, keep if it
        // reached 2^130") fully reduces it; selected with a mask, not a branch.
        UInt128 g = (UInt128)h0 + 5;
        ulong g0 = (ulong)g;
        g = (UInt128)h1 + (ulong)(g >> 64);
        ulong g1 = (ulong)g;
        ulong g2 = h2 + (ulong)(g >> 64);
        // h2 ≤ 4 after the last block, so g2 ≤ 5 and g2 >> 2 is exactly 0 or 1.
        ulong mask = 0UL - (g2 >> 2);
        h0 = (h0 & ~mask) | (g0 & mask);
        h1 = (h1 & ~mask) | (g1 & mask);

        UInt128 t = (UInt128)h0 + BinaryPrimitives.ReadUInt64LittleEndian(key[16..]);
        BinaryPrimitives.WriteUInt64LittleEndian(tag, (ulong)t);
        t = (UInt128)h1 + BinaryPrimitives.ReadUInt64LittleEndian(key[24..]) + (ulong)(t >> 64);
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], (ulong)t);
    }

    /// <summary>h = (h + m + hibit·2^128) · r, partially reduced mod 2^130 − 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProcessBlock(ref ulong h0, ref ulong h1, ref ulong h2, ulong m0, ulong m1, ulong hibit, ulong r0, ulong r1, ulong s1)
    {
        UInt128 t = (UInt128)h0 + m0;
        h0 = (ulong)t;
        t = (UInt128)h1 + m1 + (ulong)(t >> 64);
        h1 = (ulong)t;
        h2 += (ulong)(t >> 64) + hibit;

        // h2 ≤ 6 and r0, r1 < 2^60, s1 < 2^61: none of these sums can overflow 128 bits.
        UInt128 d0 = Math.BigMul(h0, r0) + Math.BigMul(h1, s1);
        UInt128 d1 = Math.BigMul(h0, r1) + Math.BigMul(h1, r0) + h2 * s1;
        ulong d2 = h2 * r0;

        h0 = (ulong)d0;
        d1 += (ulong)(d0 >> 64);
        h1 = (ulong)d1;
        d2 += (ulong)(d1 >> 64);

        // Fold everything from bit 130 up back in, times 5.
        h2 = d2 & 3;
        ulong c = (d2 & ~3UL) + (d2 >> 2);
        t = (UInt128)h0 + c;
        h0 = (ulong)t;
        t = (UInt128)h1 + (ulong)(t >> 64);
        h1 = (ulong)t;
        h2 += (ulong)(t >> 64);
    }
}
