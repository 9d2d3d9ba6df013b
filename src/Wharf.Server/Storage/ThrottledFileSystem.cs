using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Storage;

/// <summary>Applies a user's upload and download bandwidth limits to file data, per session.</summary>
public sealed class ThrottledFileSystem(IFileSystem inner, BandwidthLimiter? upload, BandwidthLimiter? download) : IFileSystem, IFileOwnerNames, IDisposable
{
    public void Dispose() => (inner as IDisposable)?.Dispose();

    public string? GetUserName(uint uid) => (inner as IFileOwnerNames)?.GetUserName(uid);

    public string? GetGroupName(uint gid) => (inner as IFileOwnerNames)?.GetGroupName(gid);

    public async ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct)
    {
        var file = await inner.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false);
        return upload is null && download is null ? file : new ThrottledFile(file, upload, download);
    }

    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken ct) => inner.GetAttributesAsync(path, followLinks, ct);
    public ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken ct) => inner.SetAttributesAsync(path, attributes, followLinks, ct);
    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken ct) => inner.OpenDirectoryAsync(path, ct);
    public ValueTask RemoveFileAsync(string path, CancellationToken ct) => inner.RemoveFileAsync(path, ct);
    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken ct) => inner.CreateDirectoryAsync(path, attributes, ct);
    public ValueTask RemoveDirectoryAsync(string path, CancellationToken ct) => inner.RemoveDirectoryAsync(path, ct);
    public ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken ct) => inner.RenameAsync(oldPath, newPath, overwrite, ct);
    public ValueTask<string> ReadLinkAsync(string path, CancellationToken ct) => inner.ReadLinkAsync(path, ct);
    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken ct) => inner.CreateSymbolicLinkAsync(linkPath, targetPath, ct);
    public ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken ct) => inner.CreateHardLinkAsync(existingPath, newPath, ct);
    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken ct) => inner.GetCanonicalPathAsync(path, ct);
    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken ct) => inner.GetFileSystemStatsAsync(path, ct);

    private sealed class ThrottledFile(ISftpFile file, BandwidthLimiter? upload, BandwidthLimiter? download) : ISftpFile
    {
        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
        {
            int n = await file.ReadAsync(offset, buffer, ct).ConfigureAwait(false);
            if (download is not null && n > 0)
            {
                await download.WaitAsync(n, ct).ConfigureAwait(false);
            }

            return n;
        }

        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            if (upload is not null)
            {
                await upload.WaitAsync(data.Length, ct).ConfigureAwait(false);
            }

            await file.WriteAsync(offset, data, ct).ConfigureAwait(false);
        }

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken ct) => file.GetAttributesAsync(ct);
        public ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken ct) => file.SetAttributesAsync(attributes, ct);
        public ValueTask FlushAsync(CancellationToken ct) => file.FlushAsync(ct);
        public ValueTask CloseAsync(CancellationToken ct) => file.CloseAsync(ct);
        public ValueTask DisposeAsync() => file.DisposeAsync();
    }
}
