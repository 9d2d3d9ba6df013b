using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Wharf.Ssh.Algorithms.Ciphers;

/// <summary>
/// XORs a keystream into data. Stream ciphers spend a large share of their time here, so the
/// loop uses the widest vectors the machine accelerates instead of a byte at a time.
/// </summary>
internal static class XorHelper
{
    /// <summary>Computes <c>data[i] ^= keystream[i]</c> for every byte of <paramref name="data"/>.</summary>
    public static void XorInPlace(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        if (keystream.Length < data.Length)
        {
            throw new ArgumentException("keystream shorter than data", nameof(keystream));
        }

        ref byte d = ref MemoryMarshal.GetReference(data);
        ref byte k = ref MemoryMarshal.GetReference(keystream);
        nuint n = (nuint)data.Length;
        nuint i = 0;

        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 64 <= n; i += 64)
            {
                (Vector512.LoadUnsafe(ref d, i) ^ Vector512.LoadUnsafe(ref k, i)).StoreUnsafe(ref d, i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= n; i += 32)
            {
                (Vector256.LoadUnsafe(ref d, i) ^ Vector256.LoadUnsafe(ref k, i)).StoreUnsafe(ref d, i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                (Vector128.LoadUnsafe(ref d, i) ^ Vector128.LoadUnsafe(ref k, i)).StoreUnsafe(ref d, i);
            }
        }

        for (; i + 8 <= n; i += 8)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i),
                Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref k, i)));
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) ^= Unsafe.Add(ref k, i);
        }
    }
}
