using Wharf.Sftp;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Server.Storage;

/// <summary>
/// Charges a user's quota for what is really stored: the growth of a file past its previous end
/// as it is written, files created and removed. An upload is refused before it starts when the
/// quota is already used up, and a write that would cross it fails with "quota exceeded"
/// (other files are untouched). In atomic upload mode an abandoned upload — whose temporary file
/// is deleted — is refunded.
/// </summary>
public sealed class QuotaFileSystem(IFileSystem inner, QuotaTracker tracker, UploadMode uploadMode) : IFileSystem, IFileOwnerNames, IDisposable
{
    internal static SftpException Exceeded(string what) => new(SftpStatusCode.QuotaExceeded, $"quota exceeded: {what}");

    public void Dispose() => (inner as IDisposable)?.Dispose();

    public string? GetUserName(uint uid) => (inner as IFileOwnerNames)?.GetUserName(uid);

    public string? GetGroupName(uint gid) => (inner as IFileOwnerNames)?.GetGroupName(gid);

    private async ValueTask<SftpFileAttributes?> TryStatAsync(string path, CancellationToken ct)
    {
        try
        {
            return await inner.GetAttributesAsync(path, false, ct).ConfigureAwait(false);
        }
        catch (SftpException ex) when (ex.Code is SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath)
        {
            return null;
        }
    }

    public async ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct)
    {
        bool writing = (flags & (SftpOpenFlags.Write | SftpOpenFlags.Append | SftpOpenFlags.Truncate)) != 0;
        if (!writing)
        {
            return await inner.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false);
        }

        var existing = await TryStatAsync(path, ct).ConfigureAwait(false);
        bool isNew = existing is null;
        if (isNew && !tracker.CanCreateFile())
        {
            throw Exceeded("too many files");
        }

        if (!tracker.HasRoom())
        {
            throw Exceeded("no space left in the user's quota");
        }

        var file = await inner.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false);
        long size = (long)(existing?.Size ?? 0);
        long charged = 0;
        if ((flags & SftpOpenFlags.Truncate) != 0 && size > 0)
        {
            tracker.TryAddSize(-size);
            charged -= size;
            size = 0;
        }

        int files = 0;
        if (isNew)
        {
            tracker.AddFiles(1);
            files = 1;
        }

        return new QuotaFile(file, tracker, size, (flags & SftpOpenFlags.Append) != 0, charged, files, uploadMode);
    }

    public async ValueTask RemoveFileAsync(string path, CancellationToken ct)
    {
        var attrs = await TryStatAsync(path, ct).ConfigureAwait(false);
        await inner.RemoveFileAsync(path, ct).ConfigureAwait(false);
        if (attrs is not null && !attrs.IsDirectory)
        {
            long size = attrs.IsRegularFile ? (long)(attrs.Size ?? 0) : 0;
            tracker.TryAddSize(-size);
            tracker.AddFiles(-1);
            await tracker.PersistAsync(-size, -1).ConfigureAwait(false);
        }
    }

    public async ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken ct)
    {
        var replaced = overwrite ? await TryStatAsync(newPath, ct).ConfigureAwait(false) : null;
        await inner.RenameAsync(oldPath, newPath, overwrite, ct).ConfigureAwait(false);
        if (replaced is not null && replaced.IsRegularFile)
        {
            long size = (long)(replaced.Size ?? 0);
            tracker.TryAddSize(-size);
            tracker.AddFiles(-1);
            await tracker.PersistAsync(-size, -1).ConfigureAwait(false);
        }
    }

    public async ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken ct)
    {
        if (attributes.Size is not { } newSize)
        {
            await inner.SetAttributesAsync(path, attributes, followLinks, ct).ConfigureAwait(false);
            return;
        }

        long old = (long)((await inner.GetAttributesAsync(path, followLinks, ct).ConfigureAwait(false)).Size ?? 0);
        long delta = (long)newSize - old;
        if (!tracker.TryAddSize(delta))
        {
            throw Exceeded("truncate beyond the quota");
        }

        try
        {
            await inner.SetAttributesAsync(path, attributes, followLinks, ct).ConfigureAwait(false);
        }
        catch
        {
            tracker.TryAddSize(-delta);
            throw;
        }

        await tracker.PersistAsync(delta, 0).ConfigureAwait(false);
    }

    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken ct) => inner.GetAttributesAsync(path, followLinks, ct);

    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken ct) => inner.OpenDirectoryAsync(path, ct);

    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken ct) => inner.CreateDirectoryAsync(path, attributes, ct);

    public ValueTask RemoveDirectoryAsync(string path, CancellationToken ct) => inner.RemoveDirectoryAsync(path, ct);

    public ValueTask<string> ReadLinkAsync(string path, CancellationToken ct) => inner.ReadLinkAsync(path, ct);

    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken ct) => inner.CreateSymbolicLinkAsync(linkPath, targetPath, ct);

    /// <summary>A hard link shares the data it links to: it costs no quota.</summary>
    public ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken ct) => inner.CreateHardLinkAsync(existingPath, newPath, ct);

    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken ct) => inner.GetCanonicalPathAsync(path, ct);

    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken ct) => inner.GetFileSystemStatsAsync(path, ct);

    /// <summary>Tracks one open file's size; requests on a handle arrive one at a time.</summary>
    private sealed class QuotaFile(ISftpFile file, QuotaTracker tracker, long size, bool append, long charged, int files, UploadMode mode) : ISftpFile
    {
        private long _size = size;
        private long _charged = charged;
        private int _files = files;
        private bool _closed;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => file.ReadAsync(offset, buffer, ct);

        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            long end = (append ? _size : offset) + data.Length;
            long growth = Math.Max(0, end - _size);
            if (growth > 0 && !tracker.TryAddSize(growth))
            {
                throw Exceeded("no space left in the user's quota");
            }

            try
            {
                await file.WriteAsync(offset, data, ct).ConfigureAwait(false);
            }
            catch
            {
                tracker.TryAddSize(-growth);
                throw;
            }

            _size += growth;
            _charged += growth;
        }

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken ct) => file.GetAttributesAsync(ct);

        public async ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken ct)
        {
            long delta = attributes.Size is { } s ? (long)s - _size : 0;
            if (delta != 0 && !tracker.TryAddSize(delta))
            {
                throw Exceeded("truncate beyond the quota");
            }

            await file.SetAttributesAsync(attributes, ct).ConfigureAwait(false);
            _size += delta;
            _charged += delta;
        }

        public ValueTask FlushAsync(CancellationToken ct) => file.FlushAsync(ct);

        public async ValueTask CloseAsync(CancellationToken ct)
        {
            await file.CloseAsync(ct).ConfigureAwait(false);
            _closed = true;
            await PersistAsync().ConfigureAwait(false);
        }

        private Task PersistAsync()
        {
            long size = Interlocked.Exchange(ref _charged, 0);
            int files = Interlocked.Exchange(ref _files, 0);
            return tracker.PersistAsync(size, files);
        }

        public async ValueTask DisposeAsync()
        {
            await file.DisposeAsync().ConfigureAwait(false);
            if (!_closed && mode == UploadMode.Atomic)
            {
                // The abandoned upload's temporary file is gone: give back what it was charged.
                tracker.TryAddSize(-_charged);
                tracker.AddFiles(-_files);
                _charged = 0;
                _files = 0;
            }

            await PersistAsync().ConfigureAwait(false);
        }
    }
}
