using System.Runtime.Versioning;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using static Wharf.Sftp.FileSystem.Local.LocalNative;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// An <see cref="IFileSystem"/> over a directory of the local (Linux) file system, confined to it:
/// no path, <c>..</c> or symlink — created over SFTP or found on disk — reaches outside. Every
/// operation is done relative to a directory descriptor that was opened inside the root, with the
/// last component never followed unless the operation is meant to follow it (and then only to a
/// target inside the root). See docs/filesystem.md for the symlink policy, upload modes and the
/// umask/setstat rules.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LocalFileSystem : IFileSystem, IFileOwnerNames, IDisposable
{
    internal const string TempPrefix = ".wharf-upload-";
    internal const string TempSuffix = ".tmp";
    private const uint NoChange = uint.MaxValue;
    private const int CopyBufferSize = 1 << 20;

    private readonly LocalFileSystemOptions _options;
    private readonly SafeFileHandle _root;
    private readonly LocalPathResolver _resolver;
    private readonly bool _runningAsRoot;
    private readonly OwnerNameCache _users = new("/etc/passwd", 2);
    private readonly OwnerNameCache _groups = new("/etc/group", 2);

    /// <summary>Creates the root directory if needed and opens it.</summary>
    /// <exception cref="PlatformNotSupportedException">Not 64-bit Linux on x86 or Arm.</exception>
    /// <exception cref="IOException">The root cannot be created or opened.</exception>
    public LocalFileSystem(LocalFileSystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.RootDirectory);
        if (!IsSupportedPlatform)
        {
            throw new PlatformNotSupportedException("LocalFileSystem needs 64-bit Linux (x64 or Arm64).");
        }

        _options = options;
        var rootPath = Path.GetFullPath(options.RootDirectory);
        Directory.CreateDirectory(rootPath);
        _root = Wrap(LocalNative.Open(rootPath, OPath | ODirectory | OCloExec, 0), out int errno)
            ?? throw new IOException($"Cannot open the root directory {rootPath}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}", errno);
        _runningAsRoot = GetEffectiveUid() == 0;
        _resolver = new LocalPathResolver(_root, !options.DisableOpenat2, options.RefuseSymlinksInPaths);
    }

    internal LocalPathResolver Resolver => _resolver;

    internal UploadMode UploadMode => _options.UploadMode;

    /// <inheritdoc/>
    public string? GetUserName(uint uid) => _users.Get(uid);

    /// <inheritdoc/>
    public string? GetGroupName(uint gid) => _groups.Get(gid);

    /// <summary>
    /// An O_PATH descriptor on the directory <paramref name="path"/> names, resolved like every other
    /// operation (symlinks followed only inside the root). A descriptor, unlike a path, keeps naming the
    /// same directory whatever is renamed or swapped afterwards, so a sandbox can be given exactly the
    /// directory that was checked (through <c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c>).
    /// </summary>
    /// <exception cref="SftpException">The path is missing, not a directory, or leads outside the root.</exception>
    public SafeFileHandle OpenDirectoryDescriptor(string path) => _resolver.Open(VirtualPath.Normalize(path), OPath | ODirectory, "open");

    /// <summary>Closes the root directory descriptor; open files and listings keep working until closed.</summary>
    public void Dispose() => _root.Dispose();

    /// <inheritdoc/>
    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!followLinks)
        {
            using var entry = _resolver.Resolve(path, followLast: false, allowMissing: false, "lstat");
            return ValueTask.FromResult(entry.Stat!.Value.ToAttributes());
        }

        using var fd = _resolver.Open(path, OPath, "stat");
        return ValueTask.FromResult(StatHandle(fd, "stat", path).ToAttributes());
    }

    /// <inheritdoc/>
    public ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "setstat";
        using var entry = _resolver.Resolve(path, followLinks, allowMissing: false, Op);
        var current = entry.Stat!.Value;
        if (attributes.Size is ulong size)
        {
            var fd = Wrap(OpenAt(entry.Directory, entry.Name, OWrOnly | ONoFollow | ONonBlock | ONoCtty | OCloExec, 0), out int errno);
            if (fd is null)
            {
                throw errno == ELOOP
                    ? new SftpException(SftpStatusCode.Failure, $"{Op} {path}: cannot set the size of a symbolic link")
                    : LocalErrorMapper.FromErrno(errno, Op, path);
            }

            using (fd)
            {
                Truncate(fd, size, Op, path);
            }
        }

        if (_options.SetStatMode == SetStatMode.Ignore)
        {
            return ValueTask.CompletedTask;
        }

        var (uid, gid) = CheckOwnerChange(attributes, current, Op, path);
        if ((uid != NoChange || gid != NoChange) && FChownAt(entry.Directory, entry.Name, uid, gid, AtSymlinkNoFollow) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
        }

        if (attributes.Permissions is uint permissions)
        {
            if (current.IsSymbolicLink)
            {
                throw new SftpException(SftpStatusCode.OpUnsupported, $"{Op} {path}: symbolic links have no permissions of their own");
            }

            if (FChmodAt(entry.Directory, entry.Name, EffectiveMode(permissions, current), AtSymlinkNoFollow) != 0)
            {
                throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
            }
        }

        if (TryGetTimes(attributes, out var times))
        {
            unsafe
            {
                fixed (Timespec* t = times)
                {
                    if (UtimensAt(entry.Directory, entry.Name, t, AtSymlinkNoFollow) != 0)
                    {
                        throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
                    }
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        cancellationToken.ThrowIfCancellationRequested();
        bool write = (flags & (SftpOpenFlags.Write | SftpOpenFlags.Append)) != 0;
        bool read = (flags & SftpOpenFlags.Read) != 0;
        if ((flags & SftpOpenFlags.Truncate) != 0 && !write)
        {
            throw new SftpException(SftpStatusCode.Failure, $"open {path}: truncation needs write access");
        }

        if (write && _options.UploadMode != UploadMode.Standard)
        {
            // A resume copies the existing file first, which may take a while: not on the caller's thread.
            return new ValueTask<ISftpFile>(Task.Run(() => OpenAtomic(path, flags, read, attributes), cancellationToken));
        }

        return ValueTask.FromResult(OpenDirect(path, flags, read, write, attributes));
    }

    /// <inheritdoc/>
    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "opendir";
        var fd = _resolver.Open(path, ORdOnly | ODirectory | ONonBlock, Op);
        try
        {
            var self = StatHandle(fd, Op, path);
            var root = StatHandle(_root, Op, path);

            // The root's ".." is outside: it is shown as the root itself.
            var parent = self;
            if (!self.IsSameObject(root) && Statx(fd, "..", followLinks: false, out var p) == 0)
            {
                parent = p;
            }

            return ValueTask.FromResult<ISftpDirectory>(new LocalDirectory(fd, path, self, parent));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public ValueTask RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "remove";
        using var entry = _resolver.Resolve(path, followLast: false, allowMissing: false, Op);
        entry.RequireName(Op);
        if (entry.Stat!.Value.IsDirectory)
        {
            throw new SftpException(SftpStatusCode.Failure, $"{Op} {path}: is a directory");
        }

        if (UnlinkAt(entry.Directory, entry.Name, 0) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "mkdir";
        using var entry = _resolver.Resolve(path, followLast: false, allowMissing: true, Op);
        if (entry.Exists)
        {
            throw LocalErrorMapper.FromErrno(EEXIST, Op, path);
        }

        // Created owner-only, then given its final owner and mode through a descriptor: the process
        // umask must not interfere, and the directory must not be reachable by others before then.
        if (MkdirAt(entry.Directory, entry.Name, 0x1C0) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
        }

        var fd = Wrap(OpenAt(entry.Directory, entry.Name, ORdOnly | ODirectory | ONoFollow | OCloExec, 0), out int errno)
            ?? throw LocalErrorMapper.FromErrno(errno, Op, path);
        using (fd)
        {
            InitializeNew(fd, NewMode(attributes, 0x1FF), Op, path);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask RemoveDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "rmdir";
        using var entry = _resolver.Resolve(path, followLast: false, allowMissing: false, Op);
        entry.RequireName(Op);
        if (UnlinkAt(entry.Directory, entry.Name, AtRemoveDir) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "rename";
        using var source = _resolver.Resolve(oldPath, followLast: false, allowMissing: false, Op);
        source.RequireName(Op);
        using var target = _resolver.Resolve(newPath, followLast: false, allowMissing: true, Op);
        target.RequireName(Op);
        int errno = Rename(source.Directory, source.Name, target.Directory, target.Name, noReplace: !overwrite);
        if (errno == EINVAL)
        {
            throw new SftpException(SftpStatusCode.Failure, $"{Op} {oldPath}: cannot move a directory into itself");
        }

        if (errno != 0)
        {
            throw LocalErrorMapper.FromErrno(errno, Op, errno == EEXIST ? newPath : oldPath);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "readlink";
        using var entry = _resolver.Resolve(path, followLast: false, allowMissing: false, Op);
        if (!entry.Stat!.Value.IsSymbolicLink)
        {
            throw new SftpException(SftpStatusCode.Failure, $"{Op} {path}: not a symbolic link");
        }

        int errno = ReadLinkAt(entry.Directory, entry.Name, out var target);
        return errno == 0 ? ValueTask.FromResult(target) : throw LocalErrorMapper.FromErrno(errno, Op, path);
    }

    /// <inheritdoc/>
    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targetPath);
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "symlink";
        if (targetPath.Length == 0 || targetPath.Contains('\0', StringComparison.Ordinal))
        {
            throw new SftpException(SftpStatusCode.InvalidFilename, $"{Op} {linkPath}: invalid target");
        }

        // The walk gives the link's physical directory, which is what a relative target on disk is relative to.
        using var entry = _resolver.Resolve(linkPath, followLast: false, allowMissing: true, Op, canonical: true);
        entry.RequireName(Op);
        if (entry.Exists)
        {
            throw LocalErrorMapper.FromErrno(EEXIST, Op, linkPath);
        }

        var directory = entry.DirectoryComponents!;
        var absolute = targetPath[0] == '/' ? targetPath : LocalPath.Join(directory) + "/" + targetPath;
        var normalized = LocalPath.Normalize(absolute)
            ?? throw new SftpException(SftpStatusCode.PermissionDenied, $"{Op} {linkPath}: target {targetPath} is outside the root directory");
        var stored = LocalPath.Relative(directory, normalized);
        if (SymlinkAt(stored, entry.Directory, entry.Name) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, linkPath);
        }

        if (OwnerForNew() is var (uid, gid) && FChownAt(entry.Directory, entry.Name, uid, gid, AtSymlinkNoFollow) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, linkPath);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        const string Op = "hardlink";
        using var source = _resolver.Resolve(existingPath, followLast: false, allowMissing: false, Op);
        source.RequireName(Op);
        if (source.Stat!.Value.IsDirectory)
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, $"{Op} {existingPath}: cannot hard-link a directory");
        }

        using var target = _resolver.Resolve(newPath, followLast: false, allowMissing: true, Op);
        target.RequireName(Op);
        if (target.Exists)
        {
            throw LocalErrorMapper.FromErrno(EEXIST, Op, newPath);
        }

        // No AT_SYMLINK_FOLLOW: a symlink is linked as itself, never its target.
        if (LinkAt(source.Directory, source.Name, target.Directory, target.Name, 0) != 0)
        {
            int errno = LastErrno;
            throw LocalErrorMapper.FromErrno(errno, Op, errno == EEXIST ? newPath : existingPath);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_resolver.Canonicalize(path, "realpath"));
    }

    /// <inheritdoc/>
    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var fd = _resolver.Open(path, OPath, "statvfs");
        int errno = FStatVfs(fd, out var stats);
        return errno == 0 ? ValueTask.FromResult(stats) : throw LocalErrorMapper.FromErrno(errno, "statvfs", path);
    }

    /// <summary>FSETSTAT: the same rules as SETSTAT, through the open descriptor.</summary>
    internal void SetAttributes(SafeFileHandle fd, SftpFileAttributes attributes, string path)
    {
        const string Op = "fsetstat";
        var current = StatHandle(fd, Op, path);
        if (attributes.Size is ulong size)
        {
            Truncate(fd, size, Op, path);
        }

        if (_options.SetStatMode == SetStatMode.Ignore)
        {
            return;
        }

        var (uid, gid) = CheckOwnerChange(attributes, current, Op, path);
        if ((uid != NoChange || gid != NoChange) && FChown(fd, uid, gid) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
        }

        if (attributes.Permissions is uint permissions && FChmod(fd, EffectiveMode(permissions, current)) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
        }

        if (TryGetTimes(attributes, out var times))
        {
            unsafe
            {
                fixed (Timespec* t = times)
                {
                    if (FUtimens(fd, t) != 0)
                    {
                        throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
                    }
                }
            }
        }
    }

    internal static LocalStat StatHandle(SafeFileHandle fd, string operation, string path)
    {
        int errno = Statx(fd, "", followLinks: false, out var stat);
        return errno == 0 ? stat : throw LocalErrorMapper.FromErrno(errno, operation, path);
    }

    /// <summary>rename, or with <paramref name="noReplace"/> one that fails with EEXIST on an existing target; errno or 0.</summary>
    internal static int Rename(SafeFileHandle fromDir, string from, SafeFileHandle toDir, string to, bool noReplace)
    {
        if (RenameAt2(fromDir, from, toDir, to, noReplace ? RenameNoReplace : 0) == 0)
        {
            return 0;
        }

        int errno = LastErrno;
        if (!noReplace || errno != EINVAL)
        {
            return errno;
        }

        // EINVAL: RENAME_NOREPLACE unsupported by this file system, or a directory moved into itself
        // (which the plain rename reports again). The check leaves a window; it is the best left.
        if (Statx(toDir, to, followLinks: false, out _) == 0)
        {
            return EEXIST;
        }

        return RenameAt2(fromDir, from, toDir, to, 0) == 0 ? 0 : LastErrno;
    }

    private ISftpFile OpenDirect(string path, SftpOpenFlags flags, bool read, bool write, SftpFileAttributes attributes)
    {
        const string Op = "open";
        bool exclusive = (flags & SftpOpenFlags.Exclusive) != 0;
        bool create = exclusive || (flags & SftpOpenFlags.Create) != 0;
        bool append = (flags & SftpOpenFlags.Append) != 0;
        int access = read && write ? ORdWr : write ? OWrOnly : ORdOnly;
        // O_NONBLOCK: a FIFO planted in the tree must not hang the open; non-regular files are refused below anyway.
        int common = access | (append ? OAppend : 0) | ONoFollow | ONoCtty | ONonBlock | OCloExec;

        for (int attempt = 0; ; attempt++)
        {
            using var entry = _resolver.Resolve(path, followLast: true, allowMissing: create, Op);
            SafeFileHandle? fd;
            int errno;
            if (entry.Exists)
            {
                if (exclusive)
                {
                    throw LocalErrorMapper.FromErrno(EEXIST, Op, path);
                }

                RequireRegular(entry.Stat!.Value, Op, path);
                fd = Wrap(OpenAt(entry.Directory, entry.Name, common | ((flags & SftpOpenFlags.Truncate) != 0 ? OTrunc : 0), 0), out errno);
                if (fd is not null)
                {
                    return Opened(fd);
                }

                // ELOOP/ENOENT: the name was replaced or removed since it was resolved; resolve again.
                if ((errno is ELOOP or ENOENT) && attempt < 3)
                {
                    continue;
                }
            }
            else
            {
                uint mode = NewMode(attributes, 0x1B6);
                fd = Wrap(OpenAt(entry.Directory, entry.Name, common | OCreat | OExcl, mode), out errno);
                if (fd is not null)
                {
                    try
                    {
                        InitializeNew(fd, mode, Op, path);
                    }
                    catch
                    {
                        fd.Dispose();
                        throw;
                    }

                    return new LocalFile(this, fd, path, read, write, append, atomic: null);
                }

                // EEXIST: created (or a symlink planted) since it was resolved; resolve again.
                if (errno == EEXIST && !exclusive && attempt < 3)
                {
                    continue;
                }
            }

            throw LocalErrorMapper.FromErrno(errno, Op, path);
        }

        ISftpFile Opened(SafeFileHandle fd)
        {
            try
            {
                RequireRegular(StatHandle(fd, Op, path), Op, path);
                return new LocalFile(this, fd, path, read, write, append, atomic: null);
            }
            catch
            {
                fd.Dispose();
                throw;
            }
        }
    }

    private ISftpFile OpenAtomic(string path, SftpOpenFlags flags, bool read, SftpFileAttributes attributes)
    {
        const string Op = "open";
        bool exclusive = (flags & SftpOpenFlags.Exclusive) != 0;
        bool create = exclusive || (flags & SftpOpenFlags.Create) != 0;
        bool append = (flags & SftpOpenFlags.Append) != 0;
        bool truncate = (flags & SftpOpenFlags.Truncate) != 0;

        using var entry = _resolver.Resolve(path, followLast: true, allowMissing: create, Op);
        LocalStat? existing = entry.Stat;
        if (existing is { } e)
        {
            if (exclusive)
            {
                throw LocalErrorMapper.FromErrno(EEXIST, Op, path);
            }

            RequireRegular(e, Op, path);
        }

        // The directory descriptor stays with the file: the final rename happens in the directory
        // that was checked now, whatever becomes of the path meanwhile.
        var directory = entry.DetachDirectory(Op);
        SafeFileHandle? fd = null;
        string temp = "";
        try
        {
            int errno = 0;
            for (int attempt = 0; fd is null && attempt < 5; attempt++)
            {
                temp = TempPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) + TempSuffix;
                int access = read ? ORdWr : OWrOnly;
                fd = Wrap(OpenAt(directory, temp, access | (append ? OAppend : 0) | OCreat | OExcl | ONoFollow | OCloExec, 0x180), out errno);
            }

            if (fd is null)
            {
                throw LocalErrorMapper.FromErrno(errno, Op, path);
            }

            try
            {
                if (existing is { } current)
                {
                    // A write that does not truncate continues the existing content, so the temporary
                    // file starts as a copy of it; the replacement keeps the original's mode and owner.
                    if (!truncate)
                    {
                        CopyContent(directory, entry.Name, fd, path);
                    }

                    if (_runningAsRoot && FChown(fd, current.Uid, current.Gid) != 0)
                    {
                        throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
                    }

                    if (FChmod(fd, current.Mode & 0xFFF) != 0)
                    {
                        throw LocalErrorMapper.FromErrno(LastErrno, Op, path);
                    }
                }
                else
                {
                    InitializeNew(fd, NewMode(attributes, 0x1B6), Op, path);
                }
            }
            catch
            {
                fd.Dispose();
                UnlinkAt(directory, temp, 0);
                throw;
            }

            var atomic = new AtomicUpload(directory, temp, entry.Name, exclusive, _options.UploadMode);
            return new LocalFile(this, fd, path, read, write: true, append, atomic);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private static void CopyContent(SafeFileHandle directory, string name, SafeFileHandle destination, string path)
    {
        var source = Wrap(OpenAt(directory, name, ORdOnly | ONoFollow | ONonBlock | ONoCtty | OCloExec, 0), out int errno)
            ?? throw LocalErrorMapper.FromErrno(errno, "open", path);
        using (source)
        {
            RequireRegular(StatHandle(source, "open", path), "open", path);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                long offset = 0;
                int n;
                while ((n = RandomAccess.Read(source, buffer, offset)) > 0)
                {
                    RandomAccess.Write(destination, buffer.AsSpan(0, n), offset);
                    offset += n;
                }
            }
            catch (Exception ex) when (ex is not SftpException)
            {
                throw LocalErrorMapper.FromException(ex, "open", path);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void RequireRegular(in LocalStat stat, string operation, string path)
    {
        if (stat.IsDirectory)
        {
            throw new SftpException(SftpStatusCode.Failure, $"{operation} {path}: is a directory");
        }

        if (!stat.IsRegularFile)
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, $"{operation} {path}: not a regular file");
        }
    }

    private static void Truncate(SafeFileHandle fd, ulong size, string operation, string path)
    {
        if (size > long.MaxValue)
        {
            throw new SftpException(SftpStatusCode.Failure, $"{operation} {path}: size out of range");
        }

        RequireRegular(StatHandle(fd, operation, path), operation, path);
        if (FTruncate(fd, (long)size) != 0)
        {
            int errno = LastErrno;
            // ftruncate on a descriptor opened without write access.
            throw errno is EINVAL or EBADF
                ? new SftpException(SftpStatusCode.PermissionDenied, $"{operation} {path}: file not open for writing")
                : LocalErrorMapper.FromErrno(errno, operation, path);
        }
    }

    private uint NewMode(SftpFileAttributes attributes, uint defaultMode) =>
        (attributes.Permissions ?? defaultMode) & 0x1FF & ~_options.Umask;

    private (uint Uid, uint Gid)? OwnerForNew() =>
        _runningAsRoot && (_options.Uid.HasValue || _options.Gid.HasValue) ? (_options.Uid ?? NoChange, _options.Gid ?? NoChange) : null;

    // Owner first: a chown clears set-id bits, and the mode is exactly what was asked for.
    private void InitializeNew(SafeFileHandle fd, uint mode, string operation, string path)
    {
        if (OwnerForNew() is var (uid, gid) && FChown(fd, uid, gid) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, operation, path);
        }

        if (FChmod(fd, mode) != 0)
        {
            throw LocalErrorMapper.FromErrno(LastErrno, operation, path);
        }
    }

    /// <summary>
    /// The chown arguments for a SETSTAT. Running as root, the kernel checks nothing, so the only
    /// changes allowed are to the configured owner (or to the current values, a no-op); otherwise
    /// the kernel's own rules apply.
    /// </summary>
    private (uint Uid, uint Gid) CheckOwnerChange(SftpFileAttributes attributes, in LocalStat current, string operation, string path)
    {
        uint uid = attributes.Uid is uint u && u != current.Uid ? u : NoChange;
        uint gid = attributes.Gid is uint g && g != current.Gid ? g : NoChange;
        if (_runningAsRoot && ((uid != NoChange && uid != _options.Uid) || (gid != NoChange && gid != _options.Gid)))
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, $"{operation} {path}: changing the owner is not allowed");
        }

        return (uid, gid);
    }

    /// <summary>
    /// The mode for a chmod: permission bits and set-id/sticky bits. Running as root, set-user-id
    /// and set-group-id are dropped on anything but directories, or a client could make a
    /// root-owned executable in its tree set-user-id root.
    /// </summary>
    private uint EffectiveMode(uint permissions, in LocalStat current)
    {
        uint mode = permissions & 0xFFF;
        return _runningAsRoot && !current.IsDirectory ? mode & ~0xC00u : mode;
    }

    private static bool TryGetTimes(SftpFileAttributes attributes, out Timespec[] times)
    {
        if (attributes.AccessTime is null && attributes.ModifyTime is null)
        {
            times = [];
            return false;
        }

        times =
        [
            attributes.AccessTime is uint a ? new Timespec { Seconds = a } : new Timespec { Nanoseconds = UtimeOmit },
            attributes.ModifyTime is uint m ? new Timespec { Seconds = m } : new Timespec { Nanoseconds = UtimeOmit },
        ];
        return true;
    }
}
