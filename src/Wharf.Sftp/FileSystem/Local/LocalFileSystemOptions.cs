namespace Wharf.Sftp.FileSystem.Local;

/// <summary>Settings of a <see cref="LocalFileSystem"/>.</summary>
public sealed class LocalFileSystemOptions
{
    /// <summary>
    /// The directory that is <c>/</c> for the client. Created (with its parents) if missing. It is
    /// opened once, when the file system is constructed: moving it afterwards does not move the
    /// file system.
    /// </summary>
    public required string RootDirectory { get; init; }

    /// <summary>
    /// Permission bits removed from new files (from 0666, or the permissions the client sent) and
    /// new directories (from 0777, or the client's). Default 0022. The process umask plays no part.
    /// </summary>
    public uint Umask { get; init; } = 0x12;

    /// <summary>How uploads reach their target.</summary>
    public UploadMode UploadMode { get; init; } = UploadMode.Standard;

    /// <summary>Whether SETSTAT changes of permissions, owner and times are applied.</summary>
    public SetStatMode SetStatMode { get; init; } = SetStatMode.Normal;

    /// <summary>
    /// When the server runs as root: the owner given to every file, directory and symlink it
    /// creates, and the only owner a client may chown to. Ignored when not running as root.
    /// </summary>
    public uint? Uid { get; init; }

    /// <summary>As <see cref="Uid"/>, for the group.</summary>
    public uint? Gid { get; init; }

    /// <summary>
    /// For a file system behind a wrapper that judges each operation on the canonical path and
    /// passes that path on (Wharf's per-directory permissions): a symlink met while resolving a path
    /// — in a directory component, or a last component the operation would follow — fails the
    /// operation ("too many levels of symbolic links") instead of being followed. A directory swapped
    /// for a symlink between the wrapper's check and the operation then cannot send the operation
    /// somewhere the check did not look. <see cref="LocalFileSystem.GetCanonicalPathAsync"/> still
    /// follows links (it is how the wrapper finds the canonical path). Off by default.
    /// </summary>
    public bool RefuseSymlinksInPaths { get; init; }

    /// <summary>Test hook: resolve every path with the component walk, as on kernels without openat2.</summary>
    internal bool DisableOpenat2 { get; init; }
}
