using Wharf.Sftp.FileSystem;

namespace Wharf.Sftp.Tests.Protocol;

/// <summary>
/// FOR TESTS ONLY: an <see cref="IFileSystem"/> over a temporary directory with plain System.IO
/// and no security at all (symlinks may lead anywhere). It exists to drive the protocol engine;
/// <see cref="Fault"/> lets a test make any operation fail.
/// </summary>
public sealed class TempDirFileSystem : IFileSystem, IFileOwnerNames, IDisposable
{
    public TempDirFileSystem()
    {
        Root = Path.Combine(Path.GetTempPath(), "wharf-sftp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Called with (operation, virtual path) before each operation; a returned exception is thrown.</summary>
    public Func<string, string, Exception?>? Fault { get; set; }

    public int FilesDisposed;
    public int FilesClosed;
    public int DirectoriesDisposed;

    public string Real(string path)
    {
        Assert.StartsWith("/", path);
        Assert.DoesNotContain("/../", path + "/");
        Assert.DoesNotContain("//", path);
        return path == "/" ? Root : Root + path;
    }

    private void Check(string op, string path)
    {
        if (Fault?.Invoke(op, path) is { } e)
        {
            throw e;
        }
    }

    public static SftpFileAttributes ToAttributes(FileSystemInfo info)
    {
        uint type = info.LinkTarget is not null ? SftpFileAttributes.TypeSymbolicLink
            : info is DirectoryInfo ? SftpFileAttributes.TypeDirectory : SftpFileAttributes.TypeRegular;
        return new SftpFileAttributes
        {
            Size = info is FileInfo f && info.LinkTarget is null ? (ulong)f.Length : 0,
            Uid = 0,
            Gid = 0,
            Permissions = type | (uint)info.UnixFileMode,
            AccessTime = (uint)new DateTimeOffset(info.LastAccessTimeUtc).ToUnixTimeSeconds(),
            ModifyTime = (uint)new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds(),
        };
    }

    private static FileSystemInfo Info(string real, bool followLinks)
    {
        FileSystemInfo info = Directory.Exists(real) && !IsLink(real) ? new DirectoryInfo(real) : new FileInfo(real);
        if (!info.Exists && info.LinkTarget is null)
        {
            throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
        }

        if (followLinks && info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists)
            {
                throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
            }

            return target;
        }

        return info;
    }

    private static bool IsLink(string real) => new FileInfo(real).LinkTarget is not null;

    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken cancellationToken)
    {
        Check(followLinks ? "stat" : "lstat", path);
        return ValueTask.FromResult(ToAttributes(Info(Real(path), followLinks)));
    }

    public ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken cancellationToken)
    {
        Check(followLinks ? "setstat" : "lsetstat", path);
        var real = Real(path);
        _ = Info(real, followLinks);
        Apply(real, attributes);
        return ValueTask.CompletedTask;
    }

    private static void Apply(string real, SftpFileAttributes a)
    {
        if (a.Size is { } size)
        {
            using var fs = new FileStream(real, FileMode.Open, FileAccess.Write);
            fs.SetLength((long)size);
        }

        if (a.Permissions is { } p)
        {
            File.SetUnixFileMode(real, (UnixFileMode)(p & 0xFFF));
        }

        if (a.ModifyTime is { } mt)
        {
            File.SetLastWriteTimeUtc(real, DateTimeOffset.FromUnixTimeSeconds(mt).UtcDateTime);
        }

        if (a.AccessTime is { } at)
        {
            File.SetLastAccessTimeUtc(real, DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime);
        }
    }

    public ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken cancellationToken)
    {
        Check("open", path);
        var real = Real(path);
        if (Directory.Exists(real))
        {
            throw new SftpException(SftpStatusCode.Failure, "Is a directory");
        }

        FileMode mode = (flags & (SftpOpenFlags.Create | SftpOpenFlags.Exclusive)) == (SftpOpenFlags.Create | SftpOpenFlags.Exclusive) ? FileMode.CreateNew
            : (flags & (SftpOpenFlags.Create | SftpOpenFlags.Truncate)) == (SftpOpenFlags.Create | SftpOpenFlags.Truncate) ? FileMode.Create
            : (flags & SftpOpenFlags.Create) != 0 ? FileMode.OpenOrCreate
            : (flags & SftpOpenFlags.Truncate) != 0 ? FileMode.Truncate
            : FileMode.Open;
        FileAccess access = (flags & (SftpOpenFlags.Read | SftpOpenFlags.Write | SftpOpenFlags.Append)) switch
        {
            SftpOpenFlags.Read => FileAccess.Read,
            SftpOpenFlags.Write or SftpOpenFlags.Append or (SftpOpenFlags.Write | SftpOpenFlags.Append) => FileAccess.Write,
            _ => FileAccess.ReadWrite,
        };
        if (!File.Exists(real) && (flags & SftpOpenFlags.Create) == 0)
        {
            throw new FileNotFoundException("not found: " + real);
        }

        var stream = new FileStream(real, new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.ReadWrite | FileShare.Delete, Options = FileOptions.Asynchronous });
        return ValueTask.FromResult<ISftpFile>(new TempFile(this, path, stream, (flags & SftpOpenFlags.Append) != 0));
    }

    private sealed class TempFile(TempDirFileSystem owner, string path, FileStream stream, bool append) : ISftpFile
    {
        private int _disposed;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            owner.Check("read", path);
            return await RandomAccess.ReadAsync(stream.SafeFileHandle, buffer, offset, cancellationToken);
        }

        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            owner.Check("write", path);
            if (append)
            {
                offset = RandomAccess.GetLength(stream.SafeFileHandle);
            }

            await RandomAccess.WriteAsync(stream.SafeFileHandle, data, offset, cancellationToken);
        }

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken cancellationToken)
        {
            owner.Check("fstat", path);
            return ValueTask.FromResult(ToAttributes(new FileInfo(stream.Name)));
        }

        public ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken cancellationToken)
        {
            owner.Check("fsetstat", path);
            if (attributes.Size is { } size)
            {
                RandomAccess.SetLength(stream.SafeFileHandle, (long)size);
            }

            Apply(stream.Name, new SftpFileAttributes { Permissions = attributes.Permissions, AccessTime = attributes.AccessTime, ModifyTime = attributes.ModifyTime });
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            owner.Check("fsync", path);
            stream.Flush(flushToDisk: true);
            return ValueTask.CompletedTask;
        }

        public ValueTask CloseAsync(CancellationToken cancellationToken)
        {
            owner.Check("close", path);
            Interlocked.Increment(ref owner.FilesClosed);
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Increment(ref owner.FilesDisposed);
                await stream.DisposeAsync();
            }
        }
    }

    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        Check("opendir", path);
        var real = Real(path);
        if (!Directory.Exists(real))
        {
            throw new DirectoryNotFoundException(real);
        }

        return ValueTask.FromResult<ISftpDirectory>(new TempDirectory(this, new DirectoryInfo(real).EnumerateFileSystemInfos().GetEnumerator()));
    }

    private sealed class TempDirectory(TempDirFileSystem owner, IEnumerator<FileSystemInfo> entries) : ISftpDirectory
    {
        public ValueTask<IReadOnlyList<SftpDirectoryEntry>?> ReadAsync(int maxEntries, CancellationToken cancellationToken)
        {
            var list = new List<SftpDirectoryEntry>();
            while (list.Count < maxEntries && entries.MoveNext())
            {
                list.Add(new SftpDirectoryEntry(entries.Current.Name, ToAttributes(entries.Current)));
            }

            return ValueTask.FromResult<IReadOnlyList<SftpDirectoryEntry>?>(list.Count == 0 ? null : list);
        }

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref owner.DirectoriesDisposed);
            entries.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    public ValueTask RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        Check("remove", path);
        var real = Real(path);
        if (Directory.Exists(real) && !IsLink(real))
        {
            throw new SftpException(SftpStatusCode.Failure, "Is a directory");
        }

        if (!File.Exists(real) && !IsLink(real))
        {
            throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
        }

        File.Delete(real);
        return ValueTask.CompletedTask;
    }

    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken cancellationToken)
    {
        Check("mkdir", path);
        var real = Real(path);
        if (Path.Exists(real))
        {
            throw new SftpException(SftpStatusCode.FileAlreadyExists, "File exists");
        }

        Directory.CreateDirectory(real);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        Check("rmdir", path);
        Directory.Delete(Real(path), recursive: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken)
    {
        Check("rename", oldPath);
        string from = Real(oldPath), to = Real(newPath);
        if (!overwrite && Path.Exists(to))
        {
            throw new SftpException(SftpStatusCode.FileAlreadyExists, "File exists");
        }

        if (Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to, overwrite);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        Check("readlink", path);
        return ValueTask.FromResult(new FileInfo(Real(path)).LinkTarget ?? throw new SftpException(SftpStatusCode.Failure, "Not a symbolic link"));
    }

    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken cancellationToken)
    {
        Check("symlink", linkPath);
        File.CreateSymbolicLink(Real(linkPath), targetPath.StartsWith('/') ? Real(targetPath) : targetPath);
        return ValueTask.CompletedTask;
    }

    public ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken cancellationToken)
    {
        Check("hardlink", existingPath);
        // No hard-link API in System.IO: a copy is enough to see the request reach the file system.
        File.Copy(Real(existingPath), Real(newPath));
        return ValueTask.CompletedTask;
    }

    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken cancellationToken)
    {
        Check("realpath", path);
        return ValueTask.FromResult(path);
    }

    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken cancellationToken)
    {
        Check("statvfs", path);
        return ValueTask.FromResult(new SftpFileSystemStats(4096, 1024, 1000, 600, 500, 100, 60, 50, 42, 0, 255));
    }

    public string? GetUserName(uint uid) => uid switch { 0 => "root", 1000 => "alice", _ => null };

    public string? GetGroupName(uint gid) => gid switch { 0 => "wheel", 100 => "users", _ => null };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
