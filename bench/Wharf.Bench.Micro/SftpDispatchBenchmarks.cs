using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Sftp.Protocol;

namespace Wharf.Bench.Micro;

/// <summary>
/// SFTP requests through a running <see cref="SftpSession"/> on the local file system, without
/// SSH: parse, dispatch, the file system call and the reply. A batch of requests is written at
/// once (as a pipelining client does) and the benchmark waits until every reply has come out.
/// </summary>
public class SftpDispatchBenchmarks
{
    private const int Batch = 64;
    private const int FileSize = 4 * 1024 * 1024;

    private string _dir = "";
    private LocalFileSystem _fileSystem = null!;
    private Pipe _input = null!;
    private CancellationTokenSource _stop = null!;
    private Task _session = Task.CompletedTask;
    private byte[] _handle = [];
    private byte[][] _statBatch = [];
    private byte[][] _readBatch = [];
    private byte[][] _writeBatch = [];

    // Reply framing across output chunks: bytes left of the current reply, header bytes seen.
    private int _frameLeft;
    private int _headerSeen;
    private readonly byte[] _header = new byte[9];
    private int _replies;
    private uint _lastId;
    private byte _lastType;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("wharf-bench-").FullName;
        File.WriteAllBytes(Path.Combine(_dir, "data.bin"), new byte[FileSize]);
        _fileSystem = new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _dir });
        // As SshChannel feeds an SFTP session: one write per channel packet, room for a whole
        // window, 64 KiB segments, and the reader resumed inline by the writer (the channel's
        // ResumeInputOnReceiveLoop, which the SFTP subsystem sets).
        _input = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
        _stop = new CancellationTokenSource();
        var session = new SftpSession(_fileSystem);
        _session = Task.Run(() => session.RunAsync(_input.Reader, OnOutput, _stop.Token));

        // The reply may come out inside Send (the session runs on the writer's thread), so the
        // count to wait for is taken before.
        int replies = Volatile.Read(ref _replies);
        Send(Packet(1, null, w => w.Write(3u)));   // INIT, version 3
        WaitReplies(++replies);
        Send(Packet(3, 1, w =>                       // OPEN data.bin read+write
        {
            w.WriteString("/data.bin");
            w.Write(0x1u | 0x2u);
            w.Write(0u);
        }));
        WaitReplies(++replies);
        if (_lastType != 102)
        {
            throw new InvalidOperationException($"OPEN answered with type {_lastType}");
        }

        _handle = _openedHandle ?? throw new InvalidOperationException("no handle");
        _statBatch = Repeat(i => Packet(17, (uint)i, w => w.WriteString("/data.bin")));                       // STAT
        _readBatch = Repeat(i => Packet(5, (uint)i, w =>                                                        // READ 32 KiB
        {
            w.WriteBinary(_handle);
            w.Write((ulong)(i * 32768 % FileSize));
            w.Write(32768u);
        }));
        var data = new byte[32768];
        _writeBatch = Repeat(i => Packet(6, (uint)i, w =>                                                       // WRITE 32 KiB
        {
            w.WriteBinary(_handle);
            w.Write((ulong)(i * 32768 % FileSize));
            w.WriteBinary(data);
        }));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Writer.Complete();
        _session.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
        _fileSystem.Dispose();
        Directory.Delete(_dir, true);
    }

    /// <summary>64 pipelined STATs of one file.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Stat() => RunBatch(_statBatch);

    /// <summary>64 pipelined 32 KiB READs (OpenSSH sftp's request size), page cache.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Read32K() => RunBatch(_readBatch);

    /// <summary>64 pipelined 32 KiB WRITEs.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Write32K() => RunBatch(_writeBatch);

    private void RunBatch(byte[][] batch)
    {
        int target = Volatile.Read(ref _replies) + Batch;
        foreach (var packet in batch)
        {
            Send(packet);
        }

        var spin = new SpinWait();
        while (Volatile.Read(ref _replies) < target)
        {
            spin.SpinOnce();
        }
    }

    private void Send(byte[] bytes)
    {
        var result = _input.Writer.WriteAsync(bytes);
        if (!result.IsCompleted)
        {
            result.AsTask().GetAwaiter().GetResult();
        }
    }

    private void WaitReplies(int target)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref _replies) < target)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the session did not answer");
            }

            Thread.Yield();
        }
    }

    private byte[]? _openedHandle;

    // Never called concurrently (SftpSession's contract). Counts replies; keeps what setup needs.
    private ValueTask OnOutput(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        var span = chunk.Span;
        while (span.Length > 0)
        {
            if (_frameLeft == 0)
            {
                int take = Math.Min(9 - _headerSeen, span.Length);
                span[..take].CopyTo(_header.AsSpan(_headerSeen));
                _headerSeen += take;
                span = span[take..];
                if (_headerSeen < 9)
                {
                    continue;
                }

                _headerSeen = 0;
                _frameLeft = (int)BinaryPrimitives.ReadUInt32BigEndian(_header) - 5;
                _lastType = _header[4];
                _lastId = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(5));
                if (_lastType == 102 && span.Length >= 4)
                {
                    int len = (int)BinaryPrimitives.ReadUInt32BigEndian(span);
                    _openedHandle = span.Slice(4, len).ToArray();
                }

                if (_frameLeft == 0)
                {
                    Interlocked.Increment(ref _replies);
                }

                continue;
            }

            int body = Math.Min(_frameLeft, span.Length);
            span = span[body..];
            _frameLeft -= body;
            if (_frameLeft == 0)
            {
                Interlocked.Increment(ref _replies);
            }
        }

        return ValueTask.CompletedTask;
    }

    private static byte[][] Repeat(Func<int, byte[]> packet) => [.. Enumerable.Range(0, Batch).Select(packet)];

    private static byte[] Packet(byte type, uint? id, Action<Body> body)
    {
        var b = new Body();
        b.Write(type);
        if (id is { } v)
        {
            b.Write(v);
        }

        body(b);
        var payload = b.ToArray();
        var packet = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)payload.Length);
        payload.CopyTo(packet, 4);
        return packet;
    }

    private sealed class Body
    {
        private readonly MemoryStream _s = new();

        public void Write(byte v) => _s.WriteByte(v);

        public void Write(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
            _s.Write(b);
        }

        public void Write(ulong v)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(b, v);
            _s.Write(b);
        }

        public void WriteBinary(byte[] v)
        {
            Write((uint)v.Length);
            _s.Write(v);
        }

        public void WriteString(string v) => WriteBinary(Encoding.UTF8.GetBytes(v));

        public byte[] ToArray() => _s.ToArray();
    }
}
