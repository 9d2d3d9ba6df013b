using System.IO.Pipelines;

namespace Wharf.Ssh.Tests.Infrastructure;

/// <summary>One end of an in-memory duplex connection built from two pipes.</summary>
public sealed class DuplexStream : Stream
{
    private readonly Stream _read;
    private readonly Stream _write;
    private readonly PipeWriter _writer;
    private volatile bool _disposed;

    private DuplexStream(PipeReader reader, PipeWriter writer)
    {
        _read = reader.AsStream();
        _writer = writer;
        _write = writer.AsStream();
    }

    /// <summary>Creates two connected ends.</summary>
    public static (DuplexStream A, DuplexStream B) CreatePair()
    {
        var ab = new Pipe();
        var ba = new Pipe();
        return (new DuplexStream(ba.Reader, ab.Writer), new DuplexStream(ab.Reader, ba.Writer));
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _read.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _read.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _read.ReadAsync(buffer, offset, count, cancellationToken);
    // After Dispose a socket's stream throws ObjectDisposedException; the pipe's own
    // InvalidOperationException would be an error no real connection raises.
    public override void Write(byte[] buffer, int offset, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _write.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            await _write.WriteAsync(buffer, cancellationToken);
        }
        catch (InvalidOperationException) when (_disposed)
        {
            throw new ObjectDisposedException(GetType().Name); // disposed between the check and the write
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed = true;
            _writer.Complete();
            _read.Dispose();
        }

        base.Dispose(disposing);
    }
}
