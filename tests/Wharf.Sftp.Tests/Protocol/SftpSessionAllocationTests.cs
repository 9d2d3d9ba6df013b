using System.Buffers.Binary;
using System.IO.Pipelines;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Sftp.Protocol;

namespace Wharf.Sftp.Tests.Protocol;

/// <summary>
/// The steady state of a transfer allocates nothing per request: requests, replies, handle keys
/// and ordering state are reused. The session is fed as an SSH channel feeds it (its input
/// resumed inline, so every request runs on the writing thread) and the bytes this thread
/// allocated are counted; other threads (and tests) do not disturb the count.
/// </summary>
public sealed class SftpSessionAllocationTests : IAsyncLifetime
{
    private readonly TempDirFileSystem _dir = new();
    private readonly Pipe _input = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
    private LocalFileSystem _fs = null!;
    private Task<int> _session = null!;
    private int _replies;
    private byte _lastType;
    private byte[] _handle = [];

    public async ValueTask InitializeAsync()
    {
        File.WriteAllBytes(Path.Combine(_dir.Root, "data.bin"), new byte[4 << 20]);
        _fs = new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _dir.Root });
        _session = new SftpSession(_fs).RunAsync(_input.Reader, OnReply, CancellationToken.None);
        await SendAsync(Packet(1, null, [0, 0, 0, 3]));
        var path = "/data.bin"u8.ToArray();
        var open = new byte[4 + path.Length + 8];
        BinaryPrimitives.WriteUInt32BigEndian(open, (uint)path.Length);
        path.CopyTo(open, 4);
        BinaryPrimitives.WriteUInt32BigEndian(open.AsSpan(4 + path.Length), 0x1 | 0x2);
        await SendAsync(Packet(3, 1, open));
        Assert.Equal(2, _replies);
        Assert.Equal(102, _lastType);
    }

    public async ValueTask DisposeAsync()
    {
        await _input.Writer.CompleteAsync();
        Assert.Equal(0, await _session.WaitAsync(TimeSpan.FromSeconds(10)));
        _fs.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData(5)]   // READ 32 KiB
    [InlineData(6)]   // WRITE 32 KiB
    public async Task PipelinedReadsAndWritesAllocateNothingPerRequest(byte type)
    {
        // A Debug build compiles async state machines as classes: one object per call, by design.
        // The test suite (scripts/test.sh) builds Release.
        var debuggable = typeof(SftpSession).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().FirstOrDefault();
        Assert.SkipWhen(debuggable?.IsJITOptimizerDisabled == true, "allocation counts are only meaningful in a Release build");

        var body = new byte[4 + _handle.Length + 12 + (type == 6 ? 32768 : 0)];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)_handle.Length);
        _handle.CopyTo(body, 4);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4 + _handle.Length + 8), 32768);
        var packet = Packet(type, 7, body);

        // Warm up (the JIT, the pools), then count.
        for (int i = 0; i < 5000; i++)
        {
            await SendAsync(packet);
        }

        const int N = 20000;
        int before = _replies;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < N; i++)
        {
            var flush = _input.Writer.WriteAsync(packet);
            Assert.True(flush.IsCompletedSuccessfully, "the session ran on another thread: the count would miss it");
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Equal(before + N, _replies);
        Assert.Equal(type == 5 ? 103 : 101, _lastType);
        // 0 in every run so far. The bound tolerates one pooled 64 KiB buffer being allocated
        // anew (the shared pool may trim itself at a full GC caused by other tests), while
        // anything allocated per request, 24 bytes at the least, fails it.
        Assert.True(allocated < 4L * N, $"{allocated / (double)N:F1} bytes per request");
    }

    private async Task SendAsync(byte[] packet) => await _input.Writer.WriteAsync(packet);

    private static byte[] Packet(byte type, uint? id, byte[] body)
    {
        int header = id is null ? 5 : 9;
        var p = new byte[header + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(p, (uint)(p.Length - 4));
        p[4] = type;
        if (id is { } v)
        {
            BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(5), v);
        }

        body.CopyTo(p, header);
        return p;
    }

    // Replies arrive whole here (one per call in this mode); counts them and keeps the handle.
    private ValueTask OnReply(ReadOnlyMemory<byte> reply, CancellationToken ct)
    {
        var s = reply.Span;
        while (s.Length > 0)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(s);
            _lastType = s[4];
            if (_lastType == 102)
            {
                _handle = s.Slice(13, (int)BinaryPrimitives.ReadUInt32BigEndian(s[9..])).ToArray();
            }

            s = s[(4 + length)..];
            _replies++;
        }

        return ValueTask.CompletedTask;
    }
}
