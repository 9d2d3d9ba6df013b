using Wharf.Sftp;
using Wharf.Sftp.FileSystem;

namespace Wharf.Fuzz;

/// <summary>
/// A small, bounded file system in memory for the SFTP and SCP targets: every run starts from the
/// same tree (/, /dir, /dir/file, /file), and every refusal is an <see cref="SftpException"/>.
/// </summary>
internal sealed class MemoryFileSystem : IFileSystem
{
    private const int MaxNodes = 64;
    private const int MaxFileSize = 1 << 20;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);

    public MemoryFileSystem()
    {
        _nodes["/"] = new Node(true);
        _nodes["/dir"] = new Node(true);
        _nodes["/file"] = new Node(false) { Data = [.. "hello\n"u8] };
        _nodes["/dir/file"] = new Node(false) { Data = [.. "world\n"u8] };
    }

    private sealed class Node(bool directory)
    {
        public bool Directory { get; } = directory;
        public List<byte> Data { get; set; } = [];
        public uint Permissions { get; set; } = directory ? 0x41edu : 0x81a4u;
        public uint Time { get; set; } = 1_700_000_000;
    }

    private static SftpException NoSuchFile() => new(SftpStatusCode.NoSuchFile, "No such file");

    private static string Parent(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "/";

    private Node Get(string path) => _nodes.TryGetValue(path, out var n) ? n : throw NoSuchFile();

    private static SftpFileAttributes Attributes(Node n) => new()
    {
        Size = (ulong)n.Data.Count,
        Uid = 1000,
        Gid = 1000,
        Permissions = n.Permissions,
        AccessTime = n.Time,
        ModifyTime = n.Time,
    };

    private void Add(string path, Node node)
    {
        if (_nodes.ContainsKey(path))
        {
            throw new SftpException(SftpStatusCode.FileAlreadyExists, "File already exists");
        }

        if (!_nodes.TryGetValue(Parent(path), out var parent) || !parent.Directory)
        {
            throw NoSuchFile();
        }

        if (_nodes.Count >= MaxNodes)
        {
            throw new SftpException(SftpStatusCode.Failure, "no space");
        }

        _nodes[path] = node;
    }

    private static void Apply(Node n, SftpFileAttributes a)
    {
        if (a.Size is { } size)
        {
            if (n.Directory || size > MaxFileSize)
            {
                throw new SftpException(SftpStatusCode.Failure, "size out of range");
            }

            int s = (int)size;
            if (s < n.Data.Count)
            {
                n.Data.RemoveRange(s, n.Data.Count - s);
            }
            else
            {
                n.Data.AddRange(new byte[s - n.Data.Count]);
            }
        }

        if (a.Permissions is { } p)
        {
            n.Permissions = (n.Permissions & SftpFileAttributes.TypeMask) | (p & 0xfff);
        }

        if (a.ModifyTime is { } t)
        {
            n.Time = t;
        }
    }

    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(Attributes(Get(path)));
        }
    }

    public ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Apply(Get(path), attributes);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(path, out var node))
            {
                if ((flags & SftpOpenFlags.Create) == 0)
                {
                    throw NoSuchFile();
                }

                node = new Node(false);
                Add(path, node);
            }
            else if ((flags & SftpOpenFlags.Exclusive) != 0 && (flags & SftpOpenFlags.Create) != 0)
            {
                throw new SftpException(SftpStatusCode.FileAlreadyExists, "File already exists");
            }

            if (node.Directory)
            {
                throw new SftpException(SftpStatusCode.Failure, "Is a directory");
            }

            if ((flags & SftpOpenFlags.Truncate) != 0)
            {
                node.Data.Clear();
            }

            return ValueTask.FromResult<ISftpFile>(new File(this, node));
        }
    }

    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!Get(path).Directory)
            {
                throw new SftpException(SftpStatusCode.NoSuchFile, "Not a directory");
            }

            string prefix = path == "/" ? "/" : path + "/";
            var entries = _nodes.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Key.Length > prefix.Length && !kv.Key.AsSpan(prefix.Length).Contains('/'))
                .Select(kv => new SftpDirectoryEntry(kv.Key[prefix.Length..], Attributes(kv.Value)))
                .Prepend(new SftpDirectoryEntry(".", Attributes(Get(path))))
                .ToList();
            return ValueTask.FromResult<ISftpDirectory>(new Directory(entries));
        }
    }

    public ValueTask RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Get(path).Directory)
            {
                throw new SftpException(SftpStatusCode.Failure, "Is a directory");
            }

            _nodes.Remove(path);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Add(path, new Node(true));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (path == "/" || !Get(path).Directory || _nodes.Keys.Any(k => k.StartsWith(path + "/", StringComparison.Ordinal)))
            {
                throw new SftpException(SftpStatusCode.Failure, "Directory not empty");
            }

            _nodes.Remove(path);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var node = Get(oldPath);
            if (node.Directory || oldPath == "/")
            {
                throw new SftpException(SftpStatusCode.OpUnsupported, "renaming directories is not supported here");
            }

            if (_nodes.ContainsKey(newPath) && !overwrite)
            {
                throw new SftpException(SftpStatusCode.FileAlreadyExists, "File already exists");
            }

            _nodes.Remove(newPath);
            _nodes.Remove(oldPath);
            Add(newPath, node);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken) =>
        throw new SftpException(SftpStatusCode.Failure, "not a link");

    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken cancellationToken) =>
        throw new SftpException(SftpStatusCode.OpUnsupported, "no links here");

    public ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken cancellationToken) =>
        throw new SftpException(SftpStatusCode.OpUnsupported, "no links here");

    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Get(path);
            return ValueTask.FromResult(path);
        }
    }

    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken cancellationToken) =>
        throw new SftpException(SftpStatusCode.OpUnsupported, "no statvfs here");

    private sealed class File(MemoryFileSystem fs, Node node) : ISftpFile
    {
        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            lock (fs._lock)
            {
                if (offset < 0)
                {
                    throw new SftpException(SftpStatusCode.Failure, "bad offset");
                }

                if (offset >= node.Data.Count)
                {
                    return ValueTask.FromResult(0);
                }

                int n = (int)Math.Min(buffer.Length, node.Data.Count - offset);
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(node.Data).Slice((int)offset, n).CopyTo(buffer.Span);
                return ValueTask.FromResult(n);
            }
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            lock (fs._lock)
            {
                if (offset < 0 || offset + data.Length > MaxFileSize)
                {
                    throw new SftpException(SftpStatusCode.Failure, "no space");
                }

                if (node.Data.Count < offset + data.Length)
                {
                    node.Data.AddRange(new byte[offset + data.Length - node.Data.Count]);
                }

                data.Span.CopyTo(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(node.Data).Slice((int)offset));
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken cancellationToken)
        {
            lock (fs._lock)
            {
                return ValueTask.FromResult(Attributes(node));
            }
        }

        public ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken cancellationToken)
        {
            lock (fs._lock)
            {
                Apply(node, attributes);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CloseAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Directory(List<SftpDirectoryEntry> entries) : ISftpDirectory
    {
        private bool _done;

        public ValueTask<IReadOnlyList<SftpDirectoryEntry>?> ReadAsync(int maxEntries, CancellationToken cancellationToken)
        {
            if (_done)
            {
                return ValueTask.FromResult<IReadOnlyList<SftpDirectoryEntry>?>(null);
            }

            _done = true;
            return ValueTask.FromResult<IReadOnlyList<SftpDirectoryEntry>?>(entries.Take(Math.Max(1, maxEntries)).ToList());
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
