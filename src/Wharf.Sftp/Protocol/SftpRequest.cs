using System.Buffers;
using System.Buffers.Binary;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// One client packet (type, request id, payload) in a pooled buffer. Requests run concurrently
/// and outlive the pipe segment they arrived in, so the packet is copied out of the pipe once;
/// WRITE data is then handed to the file system as a slice of this buffer, never copied again.
/// </summary>
internal sealed class SftpRequest : IDisposable
{
    // A pipelining client keeps 64 requests of 32–256 KiB in flight per session, more than the
    // shared pool keeps per size (it then allocates and drops arrays: ~30 KB of garbage per
    // WRITE). This pool keeps two sessions' worth per size; it retains only what was in use at
    // once, bounded by 128 arrays per size (64 MiB for the 512 KiB bucket of 256 KiB WRITEs).
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 1024 * 1024, maxArraysPerBucket: 128);

    private byte[]? _buffer;
    private int _length;
    private SparePool<SftpRequest>? _spares;

    private SftpRequest()
    {
    }

    /// <summary>
    /// Copies a packet body (everything after the length field; at least 5 bytes). With
    /// <paramref name="spares"/> the request object comes from there when one is spare, and goes
    /// back there on <see cref="Dispose"/>: a request must then be disposed exactly once, by its
    /// last user.
    /// </summary>
    public static SftpRequest Create(in ReadOnlySequence<byte> body, SparePool<SftpRequest>? spares = null)
    {
        int length = checked((int)body.Length);
        var buffer = Pool.Rent(length);
        body.CopyTo(buffer);
        var request = spares?.TryTake() ?? new SftpRequest();
        request._buffer = buffer;
        request._length = length;
        request._spares = spares;
        return request;
    }

    public SftpPacketType Type => (SftpPacketType)Buffer[0];

    /// <summary>The request id, or for INIT the client's version: both are the uint32 after the type.</summary>
    public uint Id => BinaryPrimitives.ReadUInt32BigEndian(Buffer.AsSpan(1, 4));

    /// <summary>The bytes after the request id.</summary>
    public ReadOnlyMemory<byte> Payload => Buffer.AsMemory(5, _length - 5);

    public SshReader Reader() => new(Payload.Span);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(SftpRequest));

    public void Dispose()
    {
        var b = Interlocked.Exchange(ref _buffer, null);
        if (b is not null)
        {
            Pool.Return(b);
            _spares?.Return(this);
        }
    }
}
