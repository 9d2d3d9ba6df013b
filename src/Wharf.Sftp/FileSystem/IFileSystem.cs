namespace Wharf.Sftp.FileSystem;

/// <summary>
/// The storage an SFTP session works on. Every path is an absolute, lexically normalised
/// virtual path (<c>/</c>, <c>/dir/file</c>: no <c>.</c>, <c>..</c>, empty components or NUL),
/// already made so by the protocol layer; the implementation maps it into its storage and must
/// never let it — or a symlink met on the way — reach outside. Failures are
/// <see cref="SftpException"/>s with the status to send.
/// </summary>
public interface IFileSystem
{
    /// <summary>stat (<paramref name="followLinks"/> true) or lstat.</summary>
    ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken cancellationToken);

    /// <summary>Changes the attributes present in <paramref name="attributes"/> (size truncates or extends).</summary>
    ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken cancellationToken);

    /// <summary>Opens or creates a file; <paramref name="attributes"/> may carry the permissions for a new file.</summary>
    ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken cancellationToken);

    /// <summary>Opens a directory for listing.</summary>
    ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>Removes a file (or symlink); fails on a directory.</summary>
    ValueTask RemoveFileAsync(string path, CancellationToken cancellationToken);

    /// <summary>Creates a directory (permissions from <paramref name="attributes"/> if present).</summary>
    ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken cancellationToken);

    /// <summary>Removes an empty directory.</summary>
    ValueTask RemoveDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Renames. With <paramref name="overwrite"/> false (SSH_FXP_RENAME) an existing target is an
    /// error; with true (posix-rename@openssh.com) it is replaced atomically.
    /// </summary>
    ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken);

    /// <summary>The target of a symbolic link, as the client should see it.</summary>
    ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken);

    /// <summary>Creates a symbolic link at <paramref name="linkPath"/> pointing to <paramref name="targetPath"/> (a virtual path, absolute or relative to the link's directory).</summary>
    ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken cancellationToken);

    /// <summary>Creates a hard link (hardlink@openssh.com).</summary>
    ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken cancellationToken);

    /// <summary>Resolves symlinks in <paramref name="path"/> and returns the canonical virtual path (REALPATH). A missing last component is allowed.</summary>
    ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken cancellationToken);

    /// <summary>statvfs for the file system holding <paramref name="path"/>.</summary>
    ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken cancellationToken);
}

/// <summary>An open file.</summary>
public interface ISftpFile : IAsyncDisposable
{
    /// <summary>Reads at <paramref name="offset"/>; returns 0 at end of file.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes at <paramref name="offset"/> (at the end when opened with Append). Returns only once the data is accepted by the storage.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>fstat.</summary>
    ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken cancellationToken);

    /// <summary>fsetstat.</summary>
    ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken cancellationToken);

    /// <summary>fsync (fsync@openssh.com).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Closes the file after a successful transfer (SSH_FXP_CLOSE): an atomic upload is renamed
    /// into place here. <see cref="IAsyncDisposable.DisposeAsync"/> without a close (the session
    /// ended) aborts instead: an atomic upload's temporary file is removed, or kept as the target
    /// in resume mode.
    /// </summary>
    ValueTask CloseAsync(CancellationToken cancellationToken);
}

/// <summary>An open directory listing.</summary>
public interface ISftpDirectory : IAsyncDisposable
{
    /// <summary>The next entries (at most <paramref name="maxEntries"/>), or null when the listing is exhausted.</summary>
    ValueTask<IReadOnlyList<SftpDirectoryEntry>?> ReadAsync(int maxEntries, CancellationToken cancellationToken);
}

/// <summary>Optional: names for numeric owners, for ls-style long names and users-groups-by-id@openssh.com.</summary>
public interface IFileOwnerNames
{
    /// <summary>The user name of <paramref name="uid"/>, or null.</summary>
    string? GetUserName(uint uid);

    /// <summary>The group name of <paramref name="gid"/>, or null.</summary>
    string? GetGroupName(uint gid);
}
