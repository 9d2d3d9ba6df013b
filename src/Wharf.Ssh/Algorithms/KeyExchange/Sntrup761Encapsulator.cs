using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// The server's half of sntrup761 (Streamlined NTRU Prime, p = 761, q = 4591, w = 286):
/// encapsulation only, written from the NTRU Prime specification and checked byte for byte
/// against OpenSSH's sntrup761.c through the known-answer vectors.
/// </summary>
/// <remarks>
/// Why not BouncyCastle's, which gives the same bytes: it costs about 10 ms per handshake (a
/// modular reduction per multiply-add, per-coefficient random draws), which alone would cut the
/// connection rate of every OpenSSH 9.x client (they prefer sntrup761) by a third; and it sorts
/// the secret list with <see cref="Array.Sort(Array)"/>, whose running time depends on the data.
/// Here every step runs in time independent of the secret: a sorting network, a full-width
/// polynomial product and branch-free arithmetic, as in the reference.
/// </remarks>
internal static class Sntrup761Encapsulator
{
    private const int P = 761;
    private const int Q = 4591;
    private const int W = 286;
    private const int Q12 = (Q - 1) / 2;

    /// <summary>Random bytes one encapsulation consumes: a 32-bit value per coefficient.</summary>
    public const int RandomBytes = P * 4;

    private const int SmallBytes = (P + 3) / 4;
    private const int RoundedBytes = 1007;
    private const int ConfirmBytes = 32;
    private const int HashBytes = 32;

    /// <summary>The encoded public key length.</summary>
    public const int PublicKeyBytes = 1158;

    /// <summary>The ciphertext length: rounded polynomial and confirmation hash.</summary>
    public const int CiphertextBytes = RoundedBytes + ConfirmBytes;

    /// <summary>
    /// Encapsulates against <paramref name="publicKey"/> using <paramref name="random"/> (exactly
    /// <see cref="RandomBytes"/> bytes, consumed as the reference's randombytes would be).
    /// </summary>
    public static void Encapsulate(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> random, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        if (publicKey.Length != PublicKeyBytes || random.Length != RandomBytes || ciphertext.Length != CiphertextBytes || sharedSecret.Length != HashBytes)
        {
            throw new ArgumentException("sntrup761: wrong buffer length");
        }

        Span<byte> cache = stackalloc byte[HashBytes];
        HashPrefix(cache, 4, publicKey);

        Span<sbyte> r = stackalloc sbyte[P];
        Span<byte> rEnc = stackalloc byte[SmallBytes];
        Span<short> h = stackalloc short[P];
        Span<short> c = stackalloc short[P];
        try
        {
            ShortFromList(r, random);
            SmallEncode(rEnc, r);
            RqDecode(h, publicKey);
            RqMultSmall(c, h, r);
            for (int i = 0; i < P; i++)
            {
                c[i] = (short)(c[i] - F3Freeze(c[i])); // Round: the nearest multiple of 3
            }

            RoundedEncode(ciphertext[..RoundedBytes], c);
            HashConfirm(ciphertext[RoundedBytes..], rEnc, cache);
            HashSession(sharedSecret, 1, rEnc, ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(r));
            CryptographicOperations.ZeroMemory(rEnc);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(c));
        }
    }

    /// <summary>A weight-w ternary polynomial from random words: w of ±1, the rest 0, in a random order.</summary>
    private static void ShortFromList(Span<sbyte> output, ReadOnlySpan<byte> random)
    {
        Span<uint> list = stackalloc uint[P];
        try
        {
            for (int i = 0; i < P; i++)
            {
                uint word = BinaryPrimitives.ReadUInt32LittleEndian(random.Slice(i * 4, 4));
                // The low two bits carry the coefficient (0 or 2 → -1 or +1; 1 → 0); the sort by the
                // high bits shuffles them.
                list[i] = i < W ? word & ~1u : (word & ~3u) | 1u;
            }

            SortUInt32(list);
            for (int i = 0; i < P; i++)
            {
                output[i] = (sbyte)((list[i] & 3) - 1);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(list));
        }
    }

    /// <summary>A data-independent sorting network (djbsort's shape): the same compare-exchanges whatever the values.</summary>
    internal static void SortUInt32(Span<uint> x)
    {
        var v = MemoryMarshal.Cast<uint, int>(x);
        for (int i = 0; i < v.Length; i++)
        {
            v[i] ^= int.MinValue; // unsigned order as signed order
        }

        int n = v.Length;
        int top = 1;
        while (top < n - top)
        {
            top += top;
        }

        for (int p = top; p > 0; p >>= 1)
        {
            for (int i = 0; i < n - p; i++)
            {
                if ((i & p) == 0)
                {
                    MinMax(ref v[i], ref v[i + p]);
                }
            }

            int j = 0;
            for (int q = top; q > p; q >>= 1)
            {
                for (; j < n - q; j++)
                {
                    if ((j & p) == 0)
                    {
                        int a = v[j + p];
                        for (int r = q; r > p; r >>= 1)
                        {
                            MinMax(ref a, ref v[j + r]);
                        }

                        v[j + p] = a;
                    }
                }
            }
        }

        for (int i = 0; i < v.Length; i++)
        {
            v[i] ^= int.MinValue;
        }
    }

    /// <summary>Puts the smaller of two values in <paramref name="a"/> without a branch on them.</summary>
    private static void MinMax(ref int a, ref int b)
    {
        int ab = b ^ a;
        int c = b - a;
        c ^= ab & (c ^ b); // the sign of b - a, corrected for overflow
        c >>= 31;
        c &= ab;
        a ^= c;
        b ^= c;
    }

    /// <summary>Reduces to {-1, 0, 1} congruent mod 3 (valid for the ranges used here).</summary>
    private static int F3Freeze(int x) => x - 3 * ((10923 * x + 16384) >> 15);

    /// <summary>Reduces to (-q/2, q/2] congruent mod q, branch-free (valid for |x| below 2^27).</summary>
    private static short FqFreeze(int x)
    {
        const int q16 = (0x10000 + Q / 2) / Q;
        const int q20 = (0x100000 + Q / 2) / Q;
        const int q28 = (0x10000000 + Q / 2) / Q;
        x -= Q * ((q16 * x) >> 16);
        x -= Q * ((q20 * x) >> 20);
        return (short)(x - Q * ((q28 * x + 0x8000000) >> 28));
    }

    /// <summary>h = f·g in Z_q[x]/(x^p − x − 1), g small; every coefficient pair is multiplied, whatever g holds.</summary>
    private static void RqMultSmall(Span<short> h, ReadOnlySpan<short> f, ReadOnlySpan<sbyte> g)
    {
        int lanes = Vector<int>.Count;
        int width = (P + lanes - 1) / lanes * lanes;
        // |f_i·g_j| ≤ 2295, so a sum of 761 of them stays far inside an int.
        var product = new int[P + width];
        var gWide = new int[width];
        try
        {
            for (int j = 0; j < P; j++)
            {
                gWide[j] = g[j];
            }

            for (int i = 0; i < P; i++)
            {
                var fi = new Vector<int>(f[i]);
                var row = product.AsSpan(i, width);
                for (int k = 0; k < width; k += lanes)
                {
                    var acc = new Vector<int>(row.Slice(k, lanes));
                    (acc + fi * new Vector<int>(gWide.AsSpan(k, lanes))).CopyTo(row.Slice(k, lanes));
                }
            }

            // x^p = x + 1: fold the top p−1 coefficients down onto x^0.. and x^1..
            for (int i = P; i < P + P - 1; i++)
            {
                product[i - P] += product[i];
            }

            for (int i = P; i < P + P - 1; i++)
            {
                product[i - P + 1] += product[i];
            }

            for (int i = 0; i < P; i++)
            {
                h[i] = FqFreeze(product[i]);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(gWide.AsSpan()));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(product.AsSpan()));
        }
    }

    /// <summary>Four coefficients (each plus one) per byte; the 761st alone in the last byte.</summary>
    private static void SmallEncode(Span<byte> s, ReadOnlySpan<sbyte> f)
    {
        int k = 0;
        for (int i = 0; i < P / 4; i++)
        {
            int x = 0;
            for (int j = 0; j < 4; j++)
            {
                x += (f[k++] + 1) << (2 * j);
            }

            s[i] = (byte)x;
        }

        s[P / 4] = (byte)(f[k] + 1);
    }

    private static void RqDecode(Span<short> r, ReadOnlySpan<byte> s)
    {
        Span<ushort> values = stackalloc ushort[P];
        Span<ushort> moduli = stackalloc ushort[P];
        moduli.Fill(Q);
        int used = Decode(values, s, moduli);
        if (used != PublicKeyBytes)
        {
            throw new InvalidOperationException($"sntrup761: the public key decoder read {used} bytes");
        }

        for (int i = 0; i < P; i++)
        {
            r[i] = (short)(values[i] - Q12);
        }
    }

    private static void RoundedEncode(Span<byte> s, ReadOnlySpan<short> r)
    {
        Span<ushort> values = stackalloc ushort[P];
        Span<ushort> moduli = stackalloc ushort[P];
        for (int i = 0; i < P; i++)
        {
            values[i] = (ushort)(((r[i] + Q12) * 10923) >> 15);
        }

        moduli.Fill((Q + 2) / 3);
        int written = Encode(s, values, moduli);
        if (written != RoundedBytes)
        {
            throw new InvalidOperationException($"sntrup761: the ciphertext encoder wrote {written} bytes");
        }
    }

    /// <summary>
    /// NTRU Prime's mixed-radix encoding of values <paramref name="r"/>[i] &lt; <paramref name="m"/>[i]:
    /// neighbours are paired (r0 + r1·m0 under m0·m1), whole bytes are emitted while the pair's
    /// range allows, and the pairs recurse. Returns the bytes written.
    /// </summary>
    private static int Encode(Span<byte> output, ReadOnlySpan<ushort> r, ReadOnlySpan<ushort> m)
    {
        int len = r.Length;
        int pos = 0;
        if (len == 1)
        {
            uint value = r[0], range = m[0];
            while (range > 1)
            {
                output[pos++] = (byte)value;
                value >>= 8;
                range = (range + 255) >> 8;
            }

            return pos;
        }

        int half = (len + 1) / 2;
        Span<ushort> r2 = stackalloc ushort[half];
        Span<ushort> m2 = stackalloc ushort[half];
        int i;
        for (i = 0; i < len - 1; i += 2)
        {
            uint m0 = m[i];
            uint value = r[i] + r[i + 1] * m0;
            uint range = m[i + 1] * m0;
            while (range >= 16384)
            {
                output[pos++] = (byte)value;
                value >>= 8;
                range = (range + 255) >> 8;
            }

            r2[i / 2] = (ushort)value;
            m2[i / 2] = (ushort)range;
        }

        if (i < len)
        {
            r2[i / 2] = r[i];
            m2[i / 2] = m[i];
        }

        return pos + Encode(output[pos..], r2, m2);
    }

    /// <summary>The inverse of <see cref="Encode"/>; every input decodes (values are reduced into range). Returns the bytes read.</summary>
    private static int Decode(Span<ushort> output, ReadOnlySpan<byte> s, ReadOnlySpan<ushort> m)
    {
        int len = m.Length;
        if (len == 1)
        {
            if (m[0] == 1)
            {
                output[0] = 0;
                return 0;
            }

            if (m[0] <= 256)
            {
                output[0] = ModUInt14(s[0], m[0]);
                return 1;
            }

            output[0] = ModUInt14((uint)(s[0] + (s[1] << 8)), m[0]);
            return 2;
        }

        int half = (len + 1) / 2;
        Span<ushort> r2 = stackalloc ushort[half];
        Span<ushort> m2 = stackalloc ushort[half];
        Span<ushort> bottomR = stackalloc ushort[len / 2];
        Span<uint> bottomT = stackalloc uint[len / 2];
        int pos = 0;
        int i;
        for (i = 0; i < len - 1; i += 2)
        {
            uint range = m[i] * (uint)m[i + 1];
            if (range > 256 * 16383)
            {
                bottomT[i / 2] = 256 * 256;
                bottomR[i / 2] = (ushort)(s[pos] + 256 * s[pos + 1]);
                pos += 2;
                m2[i / 2] = (ushort)((((range + 255) >> 8) + 255) >> 8);
            }
            else if (range >= 16384)
            {
                bottomT[i / 2] = 256;
                bottomR[i / 2] = s[pos];
                pos += 1;
                m2[i / 2] = (ushort)((range + 255) >> 8);
            }
            else
            {
                bottomT[i / 2] = 1;
                bottomR[i / 2] = 0;
                m2[i / 2] = (ushort)range;
            }
        }

        if (i < len)
        {
            m2[i / 2] = m[i];
        }

        pos += Decode(r2, s[pos..], m2);
        int o = 0;
        for (i = 0; i < len - 1; i += 2)
        {
            uint value = bottomR[i / 2] + bottomT[i / 2] * r2[i / 2];
            DivModUInt14(out uint r1, out ushort r0, value, m[i]);
            output[o++] = r0;
            output[o++] = ModUInt14(r1, m[i + 1]);
        }

        if (i < len)
        {
            output[o] = r2[i / 2];
        }

        return pos;
    }

    /// <summary>x = q·m + r with 0 ≤ r &lt; m, for m below 2^14, without division or data-dependent branches.</summary>
    private static void DivModUInt14(out uint quotient, out ushort remainder, uint x, ushort m)
    {
        uint v = 0x80000000u / m; // m is public: a fixed modulus of the scheme
        uint part = (uint)((x * (ulong)v) >> 31);
        x -= part * m;
        quotient = part;
        part = (uint)((x * (ulong)v) >> 31);
        x -= part * m;
        quotient += part;
        x -= m;
        quotient += 1;
        uint mask = (uint)((int)x >> 31); // all ones when the subtraction went below zero
        x += mask & m;
        quotient += mask;
        remainder = (ushort)x;
    }

    private static ushort ModUInt14(uint x, ushort m)
    {
        DivModUInt14(out _, out ushort r, x, m);
        return r;
    }

    /// <summary>The first 32 bytes of SHA-512(b ‖ input).</summary>
    private static void HashPrefix(Span<byte> output, byte b, ReadOnlySpan<byte> input)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        sha.AppendData([b]);
        sha.AppendData(input);
        Span<byte> digest = stackalloc byte[64];
        sha.GetHashAndReset(digest);
        digest[..HashBytes].CopyTo(output);
    }

    private static void HashConfirm(Span<byte> output, ReadOnlySpan<byte> rEnc, ReadOnlySpan<byte> cache)
    {
        Span<byte> x = stackalloc byte[HashBytes * 2];
        HashPrefix(x[..HashBytes], 3, rEnc);
        cache.CopyTo(x[HashBytes..]);
        HashPrefix(output, 2, x);
    }

    private static void HashSession(Span<byte> output, byte b, ReadOnlySpan<byte> rEnc, ReadOnlySpan<byte> ciphertext)
    {
        var x = new byte[HashBytes + CiphertextBytes];
        HashPrefix(x.AsSpan(0, HashBytes), 3, rEnc);
        ciphertext.CopyTo(x.AsSpan(HashBytes));
        HashPrefix(output, b, x);
        CryptographicOperations.ZeroMemory(x);
    }
}
