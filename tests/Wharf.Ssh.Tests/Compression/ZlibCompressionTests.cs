using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.Compression;

public class ZlibCompressionTests
{
    private static List<byte[]> VariedPayloads()
    {
        var rng = new Random(4253);
        var list = new List<byte[]>
        {
            Array.Empty<byte>(),
            new byte[] { 0x5e },
            RandomBytes(rng, 256 * 1024),
            new byte[100_000],
            TextLike(rng, 70_000),
            Array.Empty<byte>(),
            new byte[] { 94, 0, 0, 0, 1 },
        };
        for (int i = 0; i < 200; i++)
        {
            // Mostly small, channel-data-like packets that repeat earlier content, so later
            // packets only decode correctly if the window really carries over.
            list.Add(i % 3 == 0 ? RandomBytes(rng, rng.Next(0, 2000)) : TextLike(rng, rng.Next(1, 5000)));
        }

        list.Add(RandomBytes(rng, 256 * 1024));
        return list;
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static byte[] TextLike(Random rng, int n)
    {
        string[] words = ["drwxr-xr-x", "root", "wharf", "sftp", "channel", "window", "12:34", "4096", "\n", "/home/user/", ".txt", "  "];
        var sb = new StringBuilder(n + 16);
        while (sb.Length < n)
        {
            sb.Append(words[rng.Next(words.Length)]).Append(' ');
        }

        return Encoding.ASCII.GetBytes(sb.ToString(0, n));
    }

    private static byte[] CompressOne(PayloadCompressor c, ReadOnlySpan<byte> payload)
    {
        using var w = new SshWriter();
        c.Compress(payload, w);
        return w.ToArray();
    }

    [Fact]
    public void ZStreamHasTheNativeLayout()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64, "layout checked for LP64 Linux only");
        Assert.Equal(112, Marshal.SizeOf<ZStream>());
        Assert.Equal(16, (int)Marshal.OffsetOf<ZStream>(nameof(ZStream.TotalIn)));
        Assert.Equal(88, (int)Marshal.OffsetOf<ZStream>(nameof(ZStream.DataType)));
        Assert.StartsWith("1.", ZlibNative.Version);
    }

    [Fact]
    public void ManyPayloadsRoundTripThroughOnePairPacketByPacket()
    {
        var payloads = VariedPayloads();
        using var c = new ZlibCompressor();
        using var d = new ZlibDecompressor();
        using var packet = new SshWriter();
        using var plain = new SshWriter();
        long compressedTotal = 0, plainTotal = 0;
        foreach (var p in payloads)
        {
            packet.Reset();
            c.Compress(p, packet);
            compressedTotal += packet.Length;
            plainTotal += p.Length;

            // Decompress exactly what one packet carried, before the next one is compressed.
            plain.Reset();
            d.Decompress(packet.WrittenSpan, plain, 256 * 1024);
            Assert.Equal(p, plain.ToArray());
        }

        // The stream really compresses (zeros and text dominate over the random parts).
        Assert.True(compressedTotal < plainTotal * 3 / 4, $"{compressedTotal} vs {plainTotal}");
    }

    [Fact]
    public void OutputAppendsAfterExistingBytes()
    {
        using var c = new ZlibCompressor();
        using var d = new ZlibDecompressor();
        using var w = new SshWriter();
        w.WriteUInt32(0xAABBCCDD);
        c.Compress("hello hello hello"u8, w);
        using var o = new SshWriter();
        o.WriteByte(7);
        d.Decompress(w.WrittenSpan[4..], o, 100);
        Assert.Equal([0xAA, 0xBB, 0xCC, 0xDD], w.WrittenSpan[..4].ToArray());
        Assert.Equal("\u0007hello hello hello", Encoding.ASCII.GetString(o.WrittenSpan));
    }

    [Fact]
    public void ConcatenatedPacketsAreOneValidZlibStream()
    {
        var payloads = VariedPayloads();
        using var c = new ZlibCompressor();
        var all = new MemoryStream();
        foreach (var p in payloads)
        {
            all.Write(CompressOne(c, p));
        }

        byte[] expected = payloads.SelectMany(p => p).ToArray();
        all.Position = 0;
        Assert.Equal(0x78, all.GetBuffer()[0]); // RFC 1950 header, deflate with 32 KiB window
        using var z = new ZLibStream(all, CompressionMode.Decompress);
        var actual = new byte[expected.Length];
        z.ReadExactly(actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EachPacketIsFlushedSoAnIndependentInflaterSeesItWhole()
    {
        // Feed a reference inflater one packet at a time: it must produce the full payload
        // without seeing any later bytes, which is what the partial flush guarantees.
        using var c = new ZlibCompressor();
        var source = new GrowingStream();
        using var z = new ZLibStream(source, CompressionMode.Decompress);
        var rng = new Random(1);
        for (int i = 0; i < 50; i++)
        {
            byte[] p = TextLike(rng, rng.Next(1, 3000));
            source.Append(CompressOne(c, p));
            var got = new byte[p.Length];
            z.ReadExactly(got);
            Assert.Equal(p, got);
        }
    }

    [Fact]
    public void DecompressesAnIndependentSyncFlushedStream()
    {
        // .NET's ZLibStream.Flush performs Z_SYNC_FLUSH, the other flush mode peers may use.
        var payloads = VariedPayloads();
        var sink = new MemoryStream();
        using var z = new ZLibStream(sink, CompressionLevel.Optimal, leaveOpen: true);
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        foreach (var p in payloads)
        {
            long start = sink.Length;
            z.Write(p);
            z.Flush();
            var packet = sink.GetBuffer().AsSpan((int)start, (int)(sink.Length - start));
            o.Reset();
            d.Decompress(packet, o, 256 * 1024);
            Assert.Equal(p, o.ToArray());
        }
    }

    [Fact]
    public void BombIsStoppedAtTheLimit()
    {
        const int limit = 256 * 1024;
        byte[] bomb;
        using (var c = new ZlibCompressor())
        {
            bomb = CompressOne(c, new byte[10 * 1024 * 1024]);
        }

        Assert.True(bomb.Length < 64 * 1024);
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<SshConnectionException>(() => d.Decompress(bomb, o, limit));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(SshDisconnectReason.CompressionError, ex.Reason);
        Assert.True(o.Length <= limit, $"writer holds {o.Length}");
        Assert.True(allocated < 2 * 1024 * 1024, $"allocated {allocated}");
    }

    [Fact]
    public void LimitIsInclusive()
    {
        var rng = new Random(9);
        byte[] exact = RandomBytes(rng, 5000);
        using var c = new ZlibCompressor();
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        d.Decompress(CompressOne(c, exact), o, 5000);
        Assert.Equal(exact, o.ToArray());

        o.Reset();
        var ex = Assert.Throws<SshConnectionException>(() => d.Decompress(CompressOne(c, RandomBytes(rng, 5001)), o, 5000));
        Assert.Equal(SshDisconnectReason.CompressionError, ex.Reason);
    }

    [Fact]
    public void LimitCountsOnlyThisPayloadNotWhatTheWriterAlreadyHeld()
    {
        using var c = new ZlibCompressor();
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        o.WriteRaw(new byte[1000]);
        d.Decompress(CompressOne(c, new byte[100]), o, 100);
        Assert.Equal(1100, o.Length);
    }

    [Fact]
    public void GarbageIsACompressionError()
    {
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        var ex = Assert.Throws<SshConnectionException>(() => d.Decompress("not a zlib stream at all"u8, o, 1024));
        Assert.Equal(SshDisconnectReason.CompressionError, ex.Reason);
    }

    [Fact]
    public void CorruptionMidStreamIsACompressionError()
    {
        // A sync flush ends byte-aligned (a partial flush may not), so the hand-made block
        // below starts exactly where the decoder expects the next block header.
        var ms = new MemoryStream();
        using var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true);
        z.Write("first packet"u8);
        z.Flush();
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        d.Decompress(ms.ToArray(), o, 1024);
        Assert.Equal("first packet"u8.ToArray(), o.ToArray());

        // Fixed-Huffman block (BFINAL=0, BTYPE=01) holding a match with length code 257 and
        // distance code 30, which RFC 1951 reserves. Bits in stream order: 0, 1,0, 0000001, 11110.
        byte[] badBlock = PackBits([0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
        var ex = Assert.Throws<SshConnectionException>(() => d.Decompress(badBlock, o, 1024));
        Assert.Equal(SshDisconnectReason.CompressionError, ex.Reason);
    }

    [Fact]
    public void FlippedBitsInALaterPacketAreDetected()
    {
        using var c = new ZlibCompressor();
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        d.Decompress(CompressOne(c, "first packet"u8), o, 1 << 20);
        byte[] second = CompressOne(c, TextLike(new Random(3), 20_000));
        second[second.Length / 2] ^= 0xFF;
        second[(second.Length / 2) + 1] ^= 0x55;
        byte[] third = CompressOne(c, TextLike(new Random(4), 20_000));

        // Bit flips may or may not trip a structural check in this packet, but the output can
        // never match, and the stream must not be usable to decode what follows correctly.
        try
        {
            o.Reset();
            d.Decompress(second, o, 1 << 20);
            o.Reset();
            d.Decompress(third, o, 1 << 20);
            Assert.NotEqual(TextLike(new Random(4), 20_000), o.ToArray());
        }
        catch (SshConnectionException ex)
        {
            Assert.Equal(SshDisconnectReason.CompressionError, ex.Reason);
        }
    }

    [Fact]
    public void EndOfStreamIsACompressionError()
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write("bye"u8);
        }

        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        var ex = Assert.Throws<SshConnectionException>(() => d.Decompress(ms.ToArray(), o, 1024));
        Assert.Equal(SshDisconnectReason.CompressionError, ex.Reason);
    }

    [Fact]
    public void PresetDictionaryIsACompressionError()
    {
        // CMF 0x78, FLG with FDICT set and a valid check value, then a DICTID.
        byte[] header = [0x78, 0xBB, 0, 0, 0, 1];
        Assert.Equal(0, ((header[0] << 8) | header[1]) % 31);
        using var d = new ZlibDecompressor();
        using var o = new SshWriter();
        var ex = Assert.Throws<SshConnectionException>(() => d.Decompress(header, o, 1024));
        Assert.Equal(SshDisconnectReason.CompressionError, ex.Reason);
    }

    [Fact]
    public void DisposeTwiceIsHarmlessAndUseAfterDisposeThrows()
    {
        var c = new ZlibCompressor();
        var d = new ZlibDecompressor();
        c.Dispose();
        c.Dispose();
        d.Dispose();
        d.Dispose();
        using var w = new SshWriter();
        Assert.Throws<ObjectDisposedException>(() => c.Compress("x"u8, w));
        Assert.Throws<ObjectDisposedException>(() => d.Decompress("x"u8, w, 10));
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZlibCompressor(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZlibCompressor(-1));
        using var d = new ZlibDecompressor();
        using var w = new SshWriter();
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Decompress([], w, -1));
    }

    [Fact]
    public void LevelZeroStillRoundTrips()
    {
        byte[] p = TextLike(new Random(5), 40_000);
        using var c = new ZlibCompressor(0);
        using var d = new ZlibDecompressor();
        byte[] packet = CompressOne(c, p);
        Assert.True(packet.Length > p.Length);
        using var o = new SshWriter();
        d.Decompress(packet, o, p.Length);
        Assert.Equal(p, o.ToArray());
    }

    private static byte[] PackBits(int[] bits)
    {
        var bytes = new byte[(bits.Length + 7) / 8];
        for (int i = 0; i < bits.Length; i++)
        {
            bytes[i / 8] |= (byte)(bits[i] << (i % 8));
        }

        return bytes;
    }

    /// <summary>A read stream whose content arrives later, like a socket.</summary>
    private sealed class GrowingStream : Stream
    {
        private readonly Queue<byte> _pending = new();

        public void Append(byte[] data)
        {
            foreach (var b in data)
            {
                _pending.Enqueue(b);
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = 0;
            while (n < count && _pending.Count > 0)
            {
                buffer[offset + n++] = _pending.Dequeue();
            }

            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
