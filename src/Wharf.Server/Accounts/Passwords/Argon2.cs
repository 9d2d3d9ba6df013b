using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using Org.BouncyCastle.Crypto.Digests;

namespace Wharf.Server.Accounts.Passwords;

/// <summary>The three Argon2 variants; the values are the <c>y</c> field hashed into H0.</summary>
internal enum Argon2Type
{
    Argon2d = 0,
    Argon2i = 1,
    Argon2id = 2,
}

/// <summary>
/// Argon2 (RFC 9106), written from the RFC: H0, the variable-length hash H', the BlaMka compression
/// function G and the indexing of §3.4. Version 0x13 XORs blocks over previous passes; 0x10 (for old
/// stored hashes) overwrites them.
/// </summary>
internal static class Argon2
{
    internal const int Version13 = 0x13;
    internal const int Version10 = 0x10;

    private const int BlockWords = 128;           // 1024-byte block as 64-bit words
    private const int SyncPoints = 4;              // slices per pass

    /// <summary>
    /// Set on the password verifier's worker threads: lanes are then filled one after the other on
    /// the calling thread instead of with <see cref="Parallel.For(int, int, Action{int})"/>, which
    /// would put part of the hash on the thread pool that runs every session's I/O.
    /// </summary>
    [ThreadStatic]
    internal static bool SequentialLanes;

    /// <summary>The tag for the given inputs; validates ranges the RFC imposes.</summary>
    public static byte[] Hash(Argon2Type type, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> secret,
        ReadOnlySpan<byte> ad, int memoryKiB, int iterations, int parallelism, int tagLength, int version = Version13)
    {
        if (parallelism < 1 || parallelism > 0xFFFFFF) throw new ArgumentOutOfRangeException(nameof(parallelism));
        if (memoryKiB < 8 * parallelism) throw new ArgumentOutOfRangeException(nameof(memoryKiB));
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations));
        if (tagLength < 4) throw new ArgumentOutOfRangeException(nameof(tagLength));
        if (version != Version13 && version != Version10) throw new ArgumentOutOfRangeException(nameof(version));

        // m' = 4p * floor(m / 4p): every lane has a whole number of equal segments.
        int segmentLength = memoryKiB / (SyncPoints * parallelism);
        int laneLength = segmentLength * SyncPoints;
        int blockCount = laneLength * parallelism;

        Span<byte> h0 = stackalloc byte[72];
        ComputeH0(h0[..64], type, password, salt, secret, ad, memoryKiB, iterations, parallelism, tagLength, version);

        // A reused work area (Argon2WorkAreas): pass 0 writes every block of it before reading it, and it
        // is cleared when given back, so neither stale nor password-derived state crosses hashes.
        int words = blockCount * BlockWords;
        ulong[] memory = Argon2WorkAreas.Rent(words);
        try
        {
            var inst = new Instance(memory, type, version, parallelism, laneLength, segmentLength, blockCount, iterations);
            Span<byte> blockBytes = stackalloc byte[1024];
            for (int lane = 0; lane < parallelism; lane++)
            {
                for (int j = 0; j < 2; j++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(h0[64..], j);
                    BinaryPrimitives.WriteInt32LittleEndian(h0[68..], lane);
                    HPrime(blockBytes, h0);
                    LoadBlock(memory.AsSpan((lane * laneLength + j) * BlockWords, BlockWords), blockBytes);
                }
            }

            for (int pass = 0; pass < iterations; pass++)
            {
                for (int slice = 0; slice < SyncPoints; slice++)
                {
                    // Lanes within a slice only reference finished slices (or their own lane), so they can run concurrently.
                    if (parallelism > 1 && segmentLength >= 256 && !SequentialLanes)
                    {
                        int p = pass, s = slice;
                        Parallel.For(0, parallelism, lane => FillSegment(inst, p, lane, s));
                    }
                    else
                    {
                        for (int lane = 0; lane < parallelism; lane++) FillSegment(inst, pass, lane, slice);
                    }
                }
            }

            // C = XOR of the last block of every lane; tag = H'(C).
            Span<ulong> final = stackalloc ulong[BlockWords];
            memory.AsSpan((laneLength - 1) * BlockWords, BlockWords).CopyTo(final);
            for (int lane = 1; lane < parallelism; lane++)
            {
                var last = memory.AsSpan(((lane + 1) * laneLength - 1) * BlockWords, BlockWords);
                for (int i = 0; i < BlockWords; i++) final[i] ^= last[i];
            }
            StoreBlock(blockBytes, final);
            var tag = new byte[tagLength];
            HPrime(tag, blockBytes);
            final.Clear();
            blockBytes.Clear();
            return tag;
        }
        finally
        {
            // The memory holds password-derived state: Return clears it.
            Argon2WorkAreas.Return(memory, words);
            h0.Clear();
        }
    }

    private sealed record Instance(ulong[] Memory, Argon2Type Type, int Version, int Lanes, int LaneLength, int SegmentLength, int BlockCount, int Passes);

    private static void ComputeH0(Span<byte> h0, Argon2Type type, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt,
        ReadOnlySpan<byte> secret, ReadOnlySpan<byte> ad, int m, int t, int p, int tagLength, int version)
    {
        var d = new Blake2bDigest(512);
        UpdateInt(d, p);
        UpdateInt(d, tagLength);
        UpdateInt(d, m);
        UpdateInt(d, t);
        UpdateInt(d, version);
        UpdateInt(d, (int)type);
        UpdateLengthPrefixed(d, password);
        UpdateLengthPrefixed(d, salt);
        UpdateLengthPrefixed(d, secret);
        UpdateLengthPrefixed(d, ad);
        var output = new byte[64];
        d.DoFinal(output, 0);
        output.CopyTo(h0);
    }

    private static void UpdateInt(Blake2bDigest d, int value)
    {
        d.Update((byte)value);
        d.Update((byte)(value >> 8));
        d.Update((byte)(value >> 16));
        d.Update((byte)(value >> 24));
    }

    private static void UpdateLengthPrefixed(Blake2bDigest d, ReadOnlySpan<byte> data)
    {
        UpdateInt(d, data.Length);
        if (data.Length > 0)
        {
            byte[] copy = data.ToArray();
            d.BlockUpdate(copy, 0, copy.Length);
            Array.Clear(copy);
        }
    }

    /// <summary>H' of RFC 9106 §3.3: Blake2b stretched to any output length.</summary>
    internal static void HPrime(Span<byte> output, ReadOnlySpan<byte> input)
    {
        int t = output.Length;
        byte[] inputCopy = input.ToArray();
        var lengthPrefix = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(lengthPrefix, t);
        if (t <= 64)
        {
            var d = new Blake2bDigest(t * 8);
            d.BlockUpdate(lengthPrefix, 0, 4);
            d.BlockUpdate(inputCopy, 0, inputCopy.Length);
            var result = new byte[t];
            d.DoFinal(result, 0);
            result.CopyTo(output);
        }
        else
        {
            // r = ceil(T/32) - 2 full 64-byte hashes contribute their first 32 bytes; the last one is T - 32r bytes.
            int r = (t + 31) / 32 - 2;
            var v = new byte[64];
            var d = new Blake2bDigest(512);
            d.BlockUpdate(lengthPrefix, 0, 4);
            d.BlockUpdate(inputCopy, 0, inputCopy.Length);
            d.DoFinal(v, 0);
            v.AsSpan(0, 32).CopyTo(output);
            for (int i = 1; i < r; i++)
            {
                d = new Blake2bDigest(512);
                d.BlockUpdate(v, 0, 64);
                d.DoFinal(v, 0);
                v.AsSpan(0, 32).CopyTo(output[(i * 32)..]);
            }
            int lastLength = t - 32 * r;
            d = new Blake2bDigest(lastLength * 8);
            d.BlockUpdate(v, 0, 64);
            var last = new byte[lastLength];
            d.DoFinal(last, 0);
            last.CopyTo(output[(32 * r)..]);
            Array.Clear(v);
            Array.Clear(last);
        }
        Array.Clear(inputCopy);
    }

    private static void LoadBlock(Span<ulong> block, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < BlockWords; i++) block[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]);
    }

    private static void StoreBlock(Span<byte> bytes, ReadOnlySpan<ulong> block)
    {
        for (int i = 0; i < BlockWords; i++) BinaryPrimitives.WriteUInt64LittleEndian(bytes[(i * 8)..], block[i]);
    }

    private static void FillSegment(Instance inst, int pass, int lane, int slice)
    {
        ulong[] memory = inst.Memory;
        bool dataIndependent = inst.Type == Argon2Type.Argon2i
            || (inst.Type == Argon2Type.Argon2id && pass == 0 && slice < SyncPoints / 2);

        Span<ulong> addressBlock = stackalloc ulong[BlockWords];
        Span<ulong> inputBlock = stackalloc ulong[BlockWords];
        Span<ulong> zeroBlock = stackalloc ulong[BlockWords];
        Span<ulong> scratch = stackalloc ulong[2 * BlockWords];
        inputBlock.Clear();
        zeroBlock.Clear();
        if (dataIndependent)
        {
            inputBlock[0] = (ulong)pass;
            inputBlock[1] = (ulong)lane;
            inputBlock[2] = (ulong)slice;
            inputBlock[3] = (ulong)inst.BlockCount;
            inputBlock[4] = (ulong)inst.Passes;
            inputBlock[5] = (ulong)inst.Type;
        }

        int startIndex = 0;
        if (pass == 0 && slice == 0)
        {
            // Blocks 0 and 1 of each lane come from H'; the first address block is still needed.
            startIndex = 2;
            if (dataIndependent) NextAddresses(addressBlock, inputBlock, zeroBlock, scratch);
        }

        int laneStart = lane * inst.LaneLength;
        int currentOffset = laneStart + slice * inst.SegmentLength + startIndex;
        int previousOffset = currentOffset % inst.LaneLength == 0 ? currentOffset + inst.LaneLength - 1 : currentOffset - 1;

        for (int i = startIndex; i < inst.SegmentLength; i++, currentOffset++, previousOffset++)
        {
            if (currentOffset % inst.LaneLength == 1) previousOffset = currentOffset - 1;

            ulong pseudoRandom;
            if (dataIndependent)
            {
                if (i % BlockWords == 0) NextAddresses(addressBlock, inputBlock, zeroBlock, scratch);
                pseudoRandom = addressBlock[i % BlockWords];
            }
            else
            {
                pseudoRandom = memory[previousOffset * BlockWords];
            }

            int refLane = (int)((pseudoRandom >> 32) % (ulong)inst.Lanes);
            if (pass == 0 && slice == 0) refLane = lane;
            int refIndex = ReferenceIndex(inst, pass, slice, i, (uint)pseudoRandom, refLane == lane);

            var prev = memory.AsSpan(previousOffset * BlockWords, BlockWords);
            var reference = memory.AsSpan((refLane * inst.LaneLength + refIndex) * BlockWords, BlockWords);
            var current = memory.AsSpan(currentOffset * BlockWords, BlockWords);
            bool xorIntoCurrent = inst.Version == Version13 && pass > 0;
            Compress(prev, reference, current, xorIntoCurrent, scratch);
        }
        scratch.Clear();
    }

    private static void NextAddresses(Span<ulong> addressBlock, Span<ulong> inputBlock, ReadOnlySpan<ulong> zeroBlock, Span<ulong> scratch)
    {
        inputBlock[6]++;
        Compress(zeroBlock, inputBlock, addressBlock, false, scratch);
        // Compress reads its inputs fully before writing, so the output may alias an input.
        Compress(zeroBlock, addressBlock, addressBlock, false, scratch);
    }

    /// <summary>Maps J1 onto the reference set of §3.4.2 (non-uniform, favouring recent blocks).</summary>
    private static int ReferenceIndex(Instance inst, int pass, int slice, int index, uint j1, bool sameLane)
    {
        long areaSize;
        if (pass == 0)
        {
            if (slice == 0) areaSize = index - 1;
            else if (sameLane) areaSize = (long)slice * inst.SegmentLength + index - 1;
            else areaSize = (long)slice * inst.SegmentLength + (index == 0 ? -1 : 0);
        }
        else
        {
            if (sameLane) areaSize = inst.LaneLength - inst.SegmentLength + index - 1;
            else areaSize = inst.LaneLength - inst.SegmentLength + (index == 0 ? -1 : 0);
        }

        ulong x = ((ulong)j1 * j1) >> 32;
        ulong y = ((ulong)areaSize * x) >> 32;
        ulong relative = (ulong)areaSize - 1 - y;

        ulong start = 0;
        if (pass != 0) start = slice == SyncPoints - 1 ? 0UL : (ulong)(slice + 1) * (ulong)inst.SegmentLength;
        return (int)((start + relative) % (ulong)inst.LaneLength);
    }

    /// <summary>G(X, Y): R = X ^ Y, P over rows then columns, output Z ^ R (XORed into the old block from pass 2 on in v1.3).</summary>
    private static void Compress(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> output, bool xorIntoOutput, Span<ulong> scratch)
    {
        Span<ulong> r = scratch[..BlockWords];
        Span<ulong> z = scratch[BlockWords..];
        int step = Vector<ulong>.Count;
        for (int i = 0; i < BlockWords; i += step) (new Vector<ulong>(x[i..]) ^ new Vector<ulong>(y[i..])).CopyTo(r[i..]);
        r.CopyTo(z);

        ref ulong v = ref z[0];
        for (int row = 0; row < 8; row++)
        {
            int b = row * 16;
            Permute(ref v, b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7,
                b + 8, b + 9, b + 10, b + 11, b + 12, b + 13, b + 14, b + 15);
        }
        for (int col = 0; col < 8; col++)
        {
            int b = col * 2;
            Permute(ref v, b, b + 1, b + 16, b + 17, b + 32, b + 33, b + 48, b + 49,
                b + 64, b + 65, b + 80, b + 81, b + 96, b + 97, b + 112, b + 113);
        }

        if (xorIntoOutput)
        {
            for (int i = 0; i < BlockWords; i += step)
            {
                (new Vector<ulong>(output[i..]) ^ new Vector<ulong>(z[i..]) ^ new Vector<ulong>(r[i..])).CopyTo(output[i..]);
            }
        }
        else
        {
            for (int i = 0; i < BlockWords; i += step) (new Vector<ulong>(z[i..]) ^ new Vector<ulong>(r[i..])).CopyTo(output[i..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Permute(ref ulong v, int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7,
        int i8, int i9, int i10, int i11, int i12, int i13, int i14, int i15)
    {
        // Work on locals the JIT can keep in registers, then store back.
        ulong v0 = Unsafe.Add(ref v, i0), v1 = Unsafe.Add(ref v, i1), v2 = Unsafe.Add(ref v, i2), v3 = Unsafe.Add(ref v, i3);
        ulong v4 = Unsafe.Add(ref v, i4), v5 = Unsafe.Add(ref v, i5), v6 = Unsafe.Add(ref v, i6), v7 = Unsafe.Add(ref v, i7);
        ulong v8 = Unsafe.Add(ref v, i8), v9 = Unsafe.Add(ref v, i9), v10 = Unsafe.Add(ref v, i10), v11 = Unsafe.Add(ref v, i11);
        ulong v12 = Unsafe.Add(ref v, i12), v13 = Unsafe.Add(ref v, i13), v14 = Unsafe.Add(ref v, i14), v15 = Unsafe.Add(ref v, i15);

        // The sixteen words as a 4x4 matrix: columns, then diagonals (as in Blake2b's round without the message).
        GB(ref v0, ref v4, ref v8, ref v12);
        GB(ref v1, ref v5, ref v9, ref v13);
        GB(ref v2, ref v6, ref v10, ref v14);
        GB(ref v3, ref v7, ref v11, ref v15);
        GB(ref v0, ref v5, ref v10, ref v15);
        GB(ref v1, ref v6, ref v11, ref v12);
        GB(ref v2, ref v7, ref v8, ref v13);
        GB(ref v3, ref v4, ref v9, ref v14);

        Unsafe.Add(ref v, i0) = v0; Unsafe.Add(ref v, i1) = v1; Unsafe.Add(ref v, i2) = v2; Unsafe.Add(ref v, i3) = v3;
        Unsafe.Add(ref v, i4) = v4; Unsafe.Add(ref v, i5) = v5; Unsafe.Add(ref v, i6) = v6; Unsafe.Add(ref v, i7) = v7;
        Unsafe.Add(ref v, i8) = v8; Unsafe.Add(ref v, i9) = v9; Unsafe.Add(ref v, i10) = v10; Unsafe.Add(ref v, i11) = v11;
        Unsafe.Add(ref v, i12) = v12; Unsafe.Add(ref v, i13) = v13; Unsafe.Add(ref v, i14) = v14; Unsafe.Add(ref v, i15) = v15;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GB(ref ulong a, ref ulong b, ref ulong c, ref ulong d)
    {
        a = BlaMka(a, b); d = BitOperations.RotateRight(d ^ a, 32);
        c = BlaMka(c, d); b = BitOperations.RotateRight(b ^ c, 24);
        a = BlaMka(a, b); d = BitOperations.RotateRight(d ^ a, 16);
        c = BlaMka(c, d); b = BitOperations.RotateRight(b ^ c, 63);
    }

    // x + y + 2 * lo32(x) * lo32(y): the multiplication makes the function costlier for dedicated hardware.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BlaMka(ulong x, ulong y) => x + y + 2 * (ulong)(uint)x * (uint)y;
}
