using Wharf.Server.Accounts;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Storage;

/// <summary>
/// Enforces a user's <see cref="PermissionSet"/> in front of any file system, so every protocol
/// (SFTP, SCP, SSH commands) is held to the same rules. Permissions are judged where an operation
/// lands, not on the path the client named: the path is first made canonical by the inner file
/// system (the home's own symlinks followed, confined to the home), and that canonical path is what
/// the inner file system is then given. An operation on an entry itself (remove, rename, lstat-style
/// setstat, link creation) is judged in the canonical directory holding the entry, its last
/// component not followed; one that follows the entry (open, setstat, listing) is judged on the
/// fully canonical path. A file operation is judged by the permissions of the directory the file is
/// in; listing a directory by that directory's. See docs/serve.md, "Permissions".
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
            throw Denied($"permission denied: {permission} on {path}");
        }
    }

    private static SftpException Denied(string message) => new(SftpStatusCode.PermissionDenied, message);

    /// <summary>
    /// Where an operation that follows symlinks lands: the fully canonical path. With the same
    /// permissions everywhere the answer cannot change the verdict, so the extra walk is skipped.
    /// </summary>
    private ValueTask<string> ResolveAsync(string path, CancellationToken ct) =>
        permissions.IsUniform ? ValueTask.FromResult(path) : inner.GetCanonicalPathAsync(path, ct);

    /// <summary>
    /// The entry itself: the canonical directory holding it plus its own name, not followed (a
    /// symlink there is the entry, whatever it points to).
    /// </summary>
    private async ValueTask<string> EntryAsync(string path, CancellationToken ct)
    {
        if (permissions.IsUniform || path == "/")
        {
            return path;
        }

        int slash = path.LastIndexOf('/');
        string directory = await inner.GetCanonicalPathAsync(slash > 0 ? path[..slash] : "/", ct).ConfigureAwait(false);
        return (directory == "/" ? "" : directory) + path[slash..];
    }

    private async ValueTask<SftpFileAttributes?> TryGetAttributesAsync(string path, bool followLinks, CancellationToken ct)
    {
        try
        {
            return await inner.GetAttributesAsync(path, followLinks, ct).ConfigureAwait(false);
        }
        catch (SftpException ex) when (ex.Code is SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath)
        {
            return null;
        }
    }

    /// <summary>stat and lstat need no permission (as in SFTPGo, listing the parent shows the same).</summary>
    public async ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken ct)
    {
        // No permission, but the canonical path all the same: the file system below refuses symlinks
        // in the paths it is given when permissions differ between directories (see WharfService).
        string at = followLinks ? await ResolveAsync(path, ct).ConfigureAwait(false) : await EntryAsync(path, ct).ConfigureAwait(false);
        return await inner.GetAttributesAsync(at, followLinks, ct).ConfigureAwait(false);
    }

    /// <summary>setstat is judged in the directory holding what it changes: the link's target when following, else the entry.</summary>
    public async ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken ct)
    {
        string target = followLinks ? await ResolveAsync(path, ct).ConfigureAwait(false) : await EntryAsync(path, ct).ConfigureAwait(false);
        CheckSetStat(Parent(target), attributes, path);
        await inner.SetAttributesAsync(target, attributes, followLinks, ct).ConfigureAwait(false);
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

    /// <summary>Judged in the directory of the file the open reaches (a symlink's target, even a dangling one's).</summary>
    public async ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct)
    {
        string target = await ResolveAsync(path, ct).ConfigureAwait(false);
        string dir = Parent(target);
        if ((flags & SftpOpenFlags.Read) != 0)
        {
            Require(dir, Permission.Download, path);
        }

        if ((flags & (SftpOpenFlags.Write | SftpOpenFlags.Append | SftpOpenFlags.Truncate)) != 0)
        {
            bool exists = await TryGetAttributesAsync(target, true, ct).ConfigureAwait(false) is not null;
            Require(dir, exists ? Permission.Overwrite : Permission.Upload, path);
        }

        var file = await inner.OpenFileAsync(target, flags, attributes, ct).ConfigureAwait(false);
        return new PermissionFile(file, this, dir, path);
    }

    /// <summary>Judged by the canonical directory's own permissions.</summary>
    public async ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken ct)
    {
        string target = await ResolveAsync(path, ct).ConfigureAwait(false);
        Require(target, Permission.List, path);
        return await inner.OpenDirectoryAsync(target, ct).ConfigureAwait(false);
    }

    /// <summary>Judged in the canonical directory holding the entry.</summary>
    public async ValueTask RemoveFileAsync(string path, CancellationToken ct)
    {
        string entry = await EntryAsync(path, ct).ConfigureAwait(false);
        Require(Parent(entry), Permission.Delete, path);
        await inner.RemoveFileAsync(entry, ct).ConfigureAwait(false);
    }

    /// <summary>Judged in the canonical directory the new directory is made in.</summary>
    public async ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken ct)
    {
        string entry = await EntryAsync(path, ct).ConfigureAwait(false);
        Require(Parent(entry), Permission.CreateDirs, path);
        await inner.CreateDirectoryAsync(entry, attributes, ct).ConfigureAwait(false);
    }

    /// <summary>Judged in the canonical directory holding the entry.</summary>
    public async ValueTask RemoveDirectoryAsync(string path, CancellationToken ct)
    {
        string entry = await EntryAsync(path, ct).ConfigureAwait(false);
        Require(Parent(entry), Permission.Delete, path);
        await inner.RemoveDirectoryAsync(entry, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Needs rename in the canonical directories of both names, overwrite in the target's when an
    /// existing target is replaced, and — for a directory — that no file in the moved tree changes
    /// to rules that do not grant rename (see <see cref="CheckDirectoryRenameAsync"/>).
    /// </summary>
    public async ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken ct)
    {
        string source = await EntryAsync(oldPath, ct).ConfigureAwait(false);
        string target = await EntryAsync(newPath, ct).ConfigureAwait(false);
        Require(Parent(source), Permission.Rename, oldPath);
        Require(Parent(target), Permission.Rename, newPath);

        // Replacing an existing name destroys its content: what overwrite guards (as SFTPGo). Without
        // overwrite the rename fails on an existing target anyway, with its own status.
        if (overwrite && await TryGetAttributesAsync(target, false, ct).ConfigureAwait(false) is not null)
        {
            Require(Parent(target), Permission.Overwrite, newPath);
        }

        if (!permissions.IsUniform && await TryGetAttributesAsync(source, false, ct).ConfigureAwait(false) is { IsDirectory: true })
        {
            await CheckDirectoryRenameAsync(source, target, oldPath, ct).ConfigureAwait(false);
        }

        await inner.RenameAsync(source, target, overwrite, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A directory rename moves every file under it, and the files are judged by their new paths
    /// afterwards. Following SFTPGo's rule, each moved file needs rename where it is and where it
    /// lands. The rules change only at configured directories, so only those matter: each one at or
    /// below the source (its files move away from it) and each one at or below the target (files
    /// move under it), checked at its place in the source tree and in the target tree. A configured
    /// directory that does not physically exist in the source tree moves nothing and is skipped.
    /// </summary>
    private async ValueTask CheckDirectoryRenameAsync(string source, string target, string oldPath, CancellationToken ct)
    {
        var relatives = permissions.ConfiguredAtOrBelow(source).Select(d => d[source.Length..])
            .Concat(permissions.ConfiguredAtOrBelow(target).Select(d => d[target.Length..]))
            .Distinct(StringComparer.Ordinal);
        foreach (var relative in relatives)
        {
            string from = source + relative, to = target + relative;
            if (permissions.Has(from, Permission.Rename) && permissions.Has(to, Permission.Rename))
            {
                continue;
            }

            if (await IsDirectoryInTreeAsync(from, ct).ConfigureAwait(false))
            {
                throw Denied($"permission denied: rename on {oldPath}: {from} has its own permissions and would move to {to}");
            }
        }
    }

    /// <summary>True when <paramref name="path"/> is a real directory reached without a symlink (so it moves with its ancestors).</summary>
    private async ValueTask<bool> IsDirectoryInTreeAsync(string path, CancellationToken ct)
    {
        try
        {
            return await inner.GetCanonicalPathAsync(path, ct).ConfigureAwait(false) == path
                && await TryGetAttributesAsync(path, false, ct).ConfigureAwait(false) is { IsDirectory: true };
        }
        catch (SftpException ex) when (ex.Code is SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath or SftpStatusCode.PermissionDenied)
        {
            // Missing on the way, or a symlink that leaves the home: nothing of the tree is there.
            return false;
        }
    }

    /// <summary>Needs no permission: the target is only text.</summary>
    public async ValueTask<string> ReadLinkAsync(string path, CancellationToken ct) =>
        await inner.ReadLinkAsync(await EntryAsync(path, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    /// <summary>
    /// Judged in the canonical directory the link is made in. What it points to needs no check: any
    /// use of the link is judged where it lands.
    /// </summary>
    public async ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken ct)
    {
        string entry = await EntryAsync(linkPath, ct).ConfigureAwait(false);
        Require(Parent(entry), Permission.CreateSymlinks, linkPath);
        await inner.CreateSymbolicLinkAsync(entry, targetPath, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A hard link is a second name for the same file, judged by the new name's directory from then
    /// on. So it must not grant anything: every permission of the new name's (canonical) directory
    /// must also be granted in the existing file's, besides create_symlinks where the new name lands.
    /// </summary>
    public async ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken ct)
    {
        string existing = await EntryAsync(existingPath, ct).ConfigureAwait(false);
        string link = await EntryAsync(newPath, ct).ConfigureAwait(false);
        Require(Parent(link), Permission.CreateSymlinks, newPath);
        if (permissions.FirstNotGrantedIn(Parent(link), Parent(existing)) is { } gained)
        {
            throw Denied($"permission denied: a hard link at {newPath} would grant {gained} on {existingPath}");
        }

        await inner.CreateHardLinkAsync(existing, link, ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken ct) => inner.GetCanonicalPathAsync(path, ct);

    /// <inheritdoc/>
    public async ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken ct) =>
        await inner.GetFileSystemStatsAsync(await ResolveAsync(path, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    /// <inheritdoc/>
    public string? GetUserName(uint uid) => (inner as IFileOwnerNames)?.GetUserName(uid);

    /// <inheritdoc/>
    public string? GetGroupName(uint gid) => (inner as IFileOwnerNames)?.GetGroupName(gid);

    /// <summary>fsetstat is held to the same rules as setstat, in the directory the open was judged in.</summary>
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
