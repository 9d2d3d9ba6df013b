using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.Protocol;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Tests.Protocol;

/// <summary>A decoded server packet.</summary>
public sealed record SftpReply(SftpPacketType Type, uint Id, byte[] Body)
{
    public SshReader Reader() => new(Body);

    public (SftpStatusCode Code, string Message) Status
    {
        get
        {
            Assert.Equal(SftpPacketType.Status, Type);
            var r = Reader();
            var code = (SftpStatusCode)r.ReadUInt32();
            string message = r.ReadString();
            Assert.Equal(string.Empty, r.ReadString());
            return (code, message);
        }
    }

    public void AssertOk() => Assert.Equal((SftpStatusCode.Ok, "Success"), Status);

    public void AssertStatus(SftpStatusCode code, string? messageContains = null)
    {
        var (c, m) = Status;
        Assert.Equal(code, c);
        if (messageContains is not null)
        {
            Assert.Contains(messageContains, m, StringComparison.OrdinalIgnoreCase);
        }
    }

    public byte[] Handle
    {
        get
        {
            Assert.True(Type == SftpPacketType.Handle, $"expected HANDLE, got {Type} {(Type == SftpPacketType.Status ? Status : default)}");
            var r = Reader();
            return r.ReadBinaryArray();
        }
    }

    public byte[] Data
    {
        get
        {
            Assert.True(Type == SftpPacketType.Data, $"expected DATA, got {Type} {(Type == SftpPacketType.Status ? Status : default)}");
            var r = Reader();
            var d = r.ReadBinaryArray();
            r.EnsureEnd();
            return d;
        }
    }

    public List<(string Name, string LongName, SftpFileAttributes Attributes)> Names
    {
        get
        {
            Assert.True(Type == SftpPacketType.Name, $"expected NAME, got {Type} {(Type == SftpPacketType.Status ? Status : default)}");
            var r = Reader();
            uint count = r.ReadUInt32();
            var list = new List<(string, string, SftpFileAttributes)>();
            for (int i = 0; i < count; i++)
            {
                list.Add((r.ReadString(), r.ReadString(), SftpTestClient.ReadAttributes(ref r)));
            }

            r.EnsureEnd();
            return list;
        }
    }

    public SftpFileAttributes Attributes
    {
        get
        {
            Assert.True(Type == SftpPacketType.Attrs, $"expected ATTRS, got {Type} {(Type == SftpPacketType.Status ? Status : default)}");
            var r = Reader();
            var a = SftpTestClient.ReadAttributes(ref r);
            r.EnsureEnd();
            return a;
        }
    }
}

/// <summary>
/// A minimal SFTP client speaking to an in-process <see cref="SftpSession"/> through two pipes.
/// Requests may be sent without waiting (pipelining); replies are matched by id.
/// </summary>
public sealed class SftpTestClient : IAsyncDisposable
{
    /// <summary>Which file system the session tests run on; the lead can point this at the real one.</summary>
    public static Func<TempDirFileSystem, IFileSystem> FileSystemUnderTest { get; set; } = fs => fs;

    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new(new PipeOptions(pauseWriterThreshold: 0));
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<SftpReply>> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<SftpReply> _version = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _readLoop = Task.CompletedTask;
    private int _nextId;

    public SftpSession Session { get; }

    public Task<int> SessionTask { get; private set; } = Task.FromResult(-1);

    public uint ServerVersion { get; private set; }

    public List<(string Name, string Version)> Extensions { get; } = [];

    private SftpTestClient(IFileSystem fs, SftpSessionOptions? options, SymlinkArgumentOrder symlinkOrder) =>
        Session = new SftpSession(fs, options) { SymlinkArgumentOrder = symlinkOrder };

    /// <summary>Starts a session without INIT (for tests of the handshake itself).</summary>
    public static SftpTestClient StartRaw(IFileSystem fs, SftpSessionOptions? options = null, SymlinkArgumentOrder symlinkOrder = SymlinkArgumentOrder.TargetFirst)
    {
        var c = new SftpTestClient(fs is TempDirFileSystem t ? FileSystemUnderTest(t) : fs, options, symlinkOrder);
        c.SessionTask = Task.Run(() => c.Session.RunAsync(c._toServer.Reader, async (data, ct) =>
        {
            await c._toClient.Writer.WriteAsync(data, ct);
        }, CancellationToken.None));
        _ = c.SessionTask.ContinueWith(_ => c._toClient.Writer.Complete(), TaskScheduler.Default);
        c._readLoop = Task.Run(c.ReadLoopAsync);
        return c;
    }

    public static async Task<SftpTestClient> StartAsync(IFileSystem fs, SftpSessionOptions? options = null, uint version = 3,
        SymlinkArgumentOrder symlinkOrder = SymlinkArgumentOrder.TargetFirst)
    {
        var c = StartRaw(fs, options, symlinkOrder);
        await c.SendInitAsync(version);
        var v = await c._version.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var r = v.Reader();
        c.ServerVersion = v.Id;
        while (r.Remaining > 0)
        {
            c.Extensions.Add((r.ReadString(), r.ReadString()));
        }

        return c;
    }

    public Task<SftpReply> VersionReply => _version.Task;

    public async Task SendInitAsync(uint version)
    {
        var w = new SshWriter();
        w.WriteUInt32(5);
        w.WriteByte((byte)SftpPacketType.Init);
        w.WriteUInt32(version);
        await SendRawAsync(w.ToArray());
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _toServer.Writer.WriteAsync(bytes);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Ends the client's side of the stream, as a client closing the channel does.</summary>
    public Task CompleteAsync() => _toServer.Writer.CompleteAsync().AsTask();

    public uint NextId() => (uint)Interlocked.Increment(ref _nextId);

    /// <summary>Registers for the reply to <paramref name="id"/>; send the request after.</summary>
    public Task<SftpReply> Expect(uint id)
    {
        var tcs = new TaskCompletionSource<SftpReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(_pending.TryAdd(id, tcs));
        return tcs.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Sends a request and returns its reply (not awaited: many may be in flight).</summary>
    public Task<SftpReply> Request(SftpPacketType type, Action<SshWriter> body)
    {
        uint id = NextId();
        var reply = Expect(id);
        var w = new SshWriter();
        w.Reset(4);
        w.WriteByte((byte)type);
        w.WriteUInt32(id);
        body(w);
        BinaryPrimitives.WriteUInt32BigEndian(w.WrittenSpan, (uint)(w.Length - 4));
        var bytes = w.ToArray();
        w.Dispose();
        return SendThen(bytes, reply);
    }

    private async Task<SftpReply> SendThen(byte[] bytes, Task<SftpReply> reply)
    {
        await SendRawAsync(bytes);
        return await reply;
    }

    public Task<SftpReply> Extended(string name, Action<SshWriter> body) => Request(SftpPacketType.Extended, w =>
    {
        w.WriteString(name);
        body(w);
    });

    private async Task ReadLoopAsync()
    {
        var reader = _toClient.Reader;
        while (true)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            while (buffer.Length >= 4)
            {
                uint len = BinaryPrimitives.ReadUInt32BigEndian(buffer.Slice(0, 4).ToArray());
                if (buffer.Length < 4 + len)
                {
                    break;
                }

                var packet = buffer.Slice(4, len).ToArray();
                buffer = buffer.Slice(4 + len);
                var type = (SftpPacketType)packet[0];
                uint id = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(1));
                var reply = new SftpReply(type, id, packet[5..]);
                if (type == SftpPacketType.Version)
                {
                    _version.TrySetResult(reply);
                }
                else if (_pending.TryRemove(id, out var tcs))
                {
                    tcs.TrySetResult(reply);
                }
                else
                {
                    throw new InvalidOperationException($"unexpected reply {type} id {id}");
                }
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                foreach (var (_, tcs) in _pending)
                {
                    tcs.TrySetException(new EndOfStreamException("session ended"));
                }

                _version.TrySetException(new EndOfStreamException("session ended"));
                return;
            }
        }
    }

    public static SftpFileAttributes ReadAttributes(ref SshReader r)
    {
        var flags = (SftpAttributeFlags)r.ReadUInt32();
        var a = new SftpFileAttributes();
        if (flags.HasFlag(SftpAttributeFlags.Size))
        {
            a.Size = r.ReadUInt64();
        }

        if (flags.HasFlag(SftpAttributeFlags.UidGid))
        {
            a.Uid = r.ReadUInt32();
            a.Gid = r.ReadUInt32();
        }

        if (flags.HasFlag(SftpAttributeFlags.Permissions))
        {
            a.Permissions = r.ReadUInt32();
        }

        if (flags.HasFlag(SftpAttributeFlags.AccessModifyTime))
        {
            a.AccessTime = r.ReadUInt32();
            a.ModifyTime = r.ReadUInt32();
        }

        if (flags.HasFlag(SftpAttributeFlags.Extended))
        {
            uint n = r.ReadUInt32();
            a.Extended = [];
            for (int i = 0; i < n; i++)
            {
                a.Extended.Add(new(r.ReadString(), r.ReadBinaryArray()));
            }
        }

        return a;
    }

    public static void WriteAttributes(SshWriter w, SftpFileAttributes? a)
    {
        a ??= SftpFileAttributes.Empty;
        var flags = SftpAttributeFlags.None;
        if (a.Size.HasValue) flags |= SftpAttributeFlags.Size;
        if (a.Uid.HasValue) flags |= SftpAttributeFlags.UidGid;
        if (a.Permissions.HasValue) flags |= SftpAttributeFlags.Permissions;
        if (a.ModifyTime.HasValue) flags |= SftpAttributeFlags.AccessModifyTime;
        w.WriteUInt32((uint)flags);
        if (a.Size is { } s) w.WriteUInt64(s);
        if (a.Uid.HasValue) { w.WriteUInt32(a.Uid.Value); w.WriteUInt32(a.Gid ?? 0); }
        if (a.Permissions is { } p) w.WriteUInt32(p);
        if (a.ModifyTime is { } mt) { w.WriteUInt32(a.AccessTime ?? mt); w.WriteUInt32(mt); }
    }

    // ---- typed helpers ----

    public Task<SftpReply> Open(string path, SftpOpenFlags flags, SftpFileAttributes? attrs = null) => Request(SftpPacketType.Open, w =>
    {
        w.WriteString(path);
        w.WriteUInt32((uint)flags);
        WriteAttributes(w, attrs);
    });

    public async Task<byte[]> OpenHandle(string path, SftpOpenFlags flags) => (await Open(path, flags)).Handle;

    public Task<SftpReply> Close(byte[] handle) => Request(SftpPacketType.Close, w => w.WriteBinary(handle));

    public Task<SftpReply> Read(byte[] handle, ulong offset, uint length) => Request(SftpPacketType.Read, w =>
    {
        w.WriteBinary(handle);
        w.WriteUInt64(offset);
        w.WriteUInt32(length);
    });

    public Task<SftpReply> Write(byte[] handle, ulong offset, ReadOnlyMemory<byte> data) => Request(SftpPacketType.Write, w =>
    {
        w.WriteBinary(handle);
        w.WriteUInt64(offset);
        w.WriteBinary(data.Span);
    });

    public Task<SftpReply> PathRequest(SftpPacketType type, string path) => Request(type, w => w.WriteString(path));

    public Task<SftpReply> HandleRequest(SftpPacketType type, byte[] handle) => Request(type, w => w.WriteBinary(handle));

    public Task<SftpReply> TwoPaths(SftpPacketType type, string a, string b) => Request(type, w =>
    {
        w.WriteString(a);
        w.WriteString(b);
    });

    /// <summary>Reads a whole file with many READs in flight.</summary>
    public async Task<byte[]> ReadAll(byte[] handle, long size, uint chunk = 32768)
    {
        var result = new byte[size];
        var reads = new List<(long Offset, Task<SftpReply> Reply)>();
        for (long off = 0; off < size; off += chunk)
        {
            reads.Add((off, Read(handle, (ulong)off, chunk)));
        }

        foreach (var (off, reply) in reads)
        {
            var data = (await reply).Data;
            Assert.Equal((int)Math.Min(chunk, size - off), data.Length);
            data.CopyTo(result, off);
        }

        (await Read(handle, (ulong)size, chunk)).AssertStatus(SftpStatusCode.Eof);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        await SessionTask.WaitAsync(TimeSpan.FromSeconds(60));
        await _readLoop.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
