using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// An open regular file. Reads and writes are positional (pread/pwrite), so concurrent requests on
/// one handle need no locking; with Append the descriptor has O_APPEND, under which Linux's pwrite
/// writes at the end whatever the offset.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class LocalFile : ISftpFile
{
    private readonly LocalFileSystem _fileSystem;
    private readonly SafeFileHandle _handle;
    private readonly string _path;
    private readonly bool _canRead;
    private readonly bool _canWrite;
    private readonly AtomicUpload? _atomic;
    private int _finished;

    public LocalFile(LocalFileSystem fileSystem, SafeFileHandle handle, string path, bool read, bool write, bool append, AtomicUpload? atomic)
    {
        _fileSystem = fileSystem;
        _handle = handle;
        _path = path;
        _canRead = read;
        _canWrite = write || append;
        _atomic = atomic;
    }

    /// <summary>The temporary file's name during an atomic upload (tests).</summary>
    internal string? TempName => _atomic?.TempName;

    // Reads and writes are synchronous pread/pwrite. The descriptor is not opened for async I/O,
    // so RandomAccess.ReadAsync would only queue the same blocking call to another thread-pool
    // thread: one more hop per 32 KiB request, on a chain the session runs in order per handle.
    // Callers (SFTP requests, SCP) already run on the thread pool, as OpenSSH's sftp-server
    // blocks in read(2) itself.
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_canRead)
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, $"read {_path}: file not open for reading");
        }

        CheckOffset(offset, "read");
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return ValueTask.FromResult(RandomAccess.Read(_handle, buffer.Span, offset));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw LocalErrorMapper.FromException(ex, "read", _path);
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!_canWrite)
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, $"write {_path}: file not open for writing");
        }

        CheckOffset(offset, "write");
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            RandomAccess.Write(_handle, data.Span, offset);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw LocalErrorMapper.FromException(ex, "write", _path);
        }
    }

    public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(LocalFileSystem.StatHandle(_handle, "fstat", _path).ToAttributes());
    }

    public ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        cancellationToken.ThrowIfCancellationRequested();
        _fileSystem.SetAttributes(_handle, attributes, _path);
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return LocalNative.FSync(_handle) == 0
            ? ValueTask.CompletedTask
            : throw LocalErrorMapper.FromErrno(LocalNative.LastErrno, "fsync", _path);
    }

    public ValueTask CloseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        try
        {
            // Renamed while still open: nothing can be written to it once the handle is gone anyway,
            // and the rename needs no data flushed to be atomic for readers.
            _atomic?.Commit(_path);
        }
        finally
        {
            _handle.Dispose();
            _atomic?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0)
        {
            _handle.Dispose();
            _atomic?.Abort();
            _atomic?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private void CheckOffset(long offset, string operation)
    {
        if (offset < 0)
        {
            throw new SftpException(SftpStatusCode.Failure, $"{operation} {_path}: offset out of range");
        }
    }
}
