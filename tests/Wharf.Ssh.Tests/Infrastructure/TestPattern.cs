using System.Buffers.Binary;

namespace Wharf.Ssh.Tests.Infrastructure;

/// <summary>
/// A deterministic byte stream with no period (each 8-byte word is splitmix64 of its index), so a
/// lost, repeated or reordered piece of a transfer shows up wherever it happens.
/// </summary>
public static class TestPattern
{
    public static byte[] Bytes(long offset, int count)
    {
        var b = new byte[count];
        Fill(offset, b);
        return b;
    }

    public static void Fill(long offset, Span<byte> destination)
    {
        Span<byte> word = stackalloc byte[8];
        for (int i = 0; i < destination.Length; i++)
        {
            long at = offset + i;
            if (i == 0 || (at & 7) == 0)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(word, SplitMix64((ulong)(at >> 3)));
            }

            destination[i] = word[(int)(at & 7)];
        }
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
