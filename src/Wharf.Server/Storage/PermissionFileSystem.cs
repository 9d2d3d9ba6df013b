using Wharf.Server.Accounts;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Storage;

/// <summary>
/// Enforces a user's <see cref="PermissionSet"/> in front of any file system, so every protocol
/// (SFTP, SCP, SSH commands) is held to the same rules. A file operation is judged by the
/// permissions of the directory it happens in; listing a directory by that directory's.
/// </summary>
public sealed class PermissionFileSystem(IFileSystem inner, PermissionSet permissions) : IFileSystem, IFileOwnerNames, IDisposable
{
    /// <summary>Disposes the wrapped file system, which this wrapper owns.</summary>
    public void Dispose() => (inner as IDisposable)?.Dispose();

    private static string Parent(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "/";

    private void Require(string directory, string permission, string path)
    {
        if (!permissions.Has(directory, permission))
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, $"permission denied: {permission} on {path}");
        }
    }

    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken ct) =>
        inner.GetAttributesAsync(path, followLinks, ct);

    public ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken ct)
    {
        CheckSetStat(Parent(path), attributes, path);
        return inner.SetAttributesAsync(path, attributes, followLinks, ct);
    }

    private void CheckSetStat(string directory, SftpFileAttributes a, string path)
    {
        if (a.Permissions is not null)
        {
            Require(directory, Permission.Chmod, path);
        }

        if (a.Uid is not null || a.Gid is not null)
        {
            Require(directory, Permission.Chown, path);
        }

        if (a.AccessTime is not null || a.ModifyTime is not null)
        {
            Require(directory, Permission.Chtimes, path);
        }

        if (a.Size is not null)
        {
            Require(directory, Permission.Overwrite, path);
        }
    }

    public async ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct)
    {
        string dir = Parent(path);
        if ((flags & SftpOpenFlags.Read) != 0)
        {
            Require(dir, Permission.Download, path);
        }

        if ((flags & (SftpOpenFlags.Write | SftpOpenFlags.Append | SftpOpenFlags.Truncate)) != 0)
        {
            bool exists;
            try
            {
                await inner.GetAttributesAsync(path, true, ct).ConfigureAwait(false);
                exists = true;
            }
            catch (SftpException ex) when (ex.Code is SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath)
            {
                exists = false;
            }

            Require(dir, exists ? Permission.Overwrite : Permission.Upload, path);
        }

        var file = await inner.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false);
        return new PermissionFile(file, this, dir, path);
    }

    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken ct)
    {
        Require(path, Permission.List, path);
        return inner.OpenDirectoryAsync(path, ct);
    }

    public ValueTask RemoveFileAsync(string path, CancellationToken ct)
    {
        Require(Parent(path), Permission.Delete, path);
        return inner.RemoveFileAsync(path, ct);
    }

    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken ct)
    {
        Require(Parent(path), Permission.CreateDirs, path);
        return inner.CreateDirectoryAsync(path, attributes, ct);
    }

    public ValueTask RemoveDirectoryAsync(string path, CancellationToken ct)
    {
        Require(Parent(path), Permission.Delete, path);
        return inner.RemoveDirectoryAsync(path, ct);
    }

    public ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken ct)
    {
        Require(Parent(oldPath), Permission.Rename, oldPath);
        Require(Parent(newPath), Permission.Rename, newPath);
        return inner.RenameAsync(oldPath, newPath, overwrite, ct);
    }

    public ValueTask<string> ReadLinkAsync(string path, CancellationToken ct) => inner.ReadLinkAsync(path, ct);

    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken ct)
    {
        Require(Parent(linkPath), Permission.CreateSymlinks, linkPath);
        return inner.CreateSymbolicLinkAsync(linkPath, targetPath, ct);
    }

    public ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken ct)
    {
        Require(Parent(newPath), Permission.CreateSymlinks, newPath);
        return inner.CreateHardLinkAsync(existingPath, newPath, ct);
    }

    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken ct) => inner.GetCanonicalPathAsync(path, ct);

    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken ct) => inner.GetFileSystemStatsAsync(path, ct);

    public string? GetUserName(uint uid) => (inner as IFileOwnerNames)?.GetUserName(uid);

    public string? GetGroupName(uint gid) => (inner as IFileOwnerNames)?.GetGroupName(gid);

    /// <summary>fsetstat is held to the same rules as setstat.</summary>
    private sealed class PermissionFile(ISftpFile file, PermissionFileSystem owner, string directory, string path) : ISftpFile
    {
        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => file.ReadAsync(offset, buffer, ct);

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct) => file.WriteAsync(offset, data, ct);

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken ct) => file.GetAttributesAsync(ct);

        public ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken ct)
        {
            owner.CheckSetStat(directory, attributes, path);
            return file.SetAttributesAsync(attributes, ct);
        }

        public ValueTask FlushAsync(CancellationToken ct) => file.FlushAsync(ct);

        public ValueTask CloseAsync(CancellationToken ct) => file.CloseAsync(ct);

        public ValueTask DisposeAsync() => file.DisposeAsync();
    }
}
