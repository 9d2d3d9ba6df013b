using System.Buffers.Binary;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// A directory listing read with getdents64 from a descriptor, each entry lstat'ed relative to it
/// (so a name replaced meanwhile cannot make the listing look outside). <c>.</c> and <c>..</c> come
/// first, as OpenSSH sends them; atomic-upload temporary files are left out.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class LocalDirectory : ISftpDirectory
{
    private const int BufferSize = 32 * 1024;
    private const int DefaultBatch = 100;

    private readonly SafeFileHandle _fd;
    private readonly string _path;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Lock _lock = new();
    private SftpDirectoryEntry[]? _dots;
    private int _length;
    private int _position;
    private bool _end;

    public LocalDirectory(SafeFileHandle fd, string path, LocalStat self, LocalStat parent)
    {
        _fd = fd;
        _path = path;
        _dots = [new(".", self.ToAttributes()), new("..", parent.ToAttributes())];
    }

    public ValueTask<IReadOnlyList<SftpDirectoryEntry>?> ReadAsync(int maxEntries, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (maxEntries <= 0)
        {
            maxEntries = DefaultBatch;
        }

        var entries = new List<SftpDirectoryEntry>();
        lock (_lock)
        {
            if (_dots is not null)
            {
                entries.AddRange(_dots);
                _dots = null;
            }

            while (entries.Count < maxEntries && NextName() is { } name)
            {
                if (name is "." or ".." || IsTemporary(name))
                {
                    continue;
                }

                // Removed between getdents and statx: it is simply no longer there.
                int errno = LocalNative.Statx(_fd, name, followLinks: false, out var stat);
                if (errno == LocalNative.ENOENT)
                {
                    continue;
                }

                entries.Add(new SftpDirectoryEntry(name, errno == 0 ? stat.ToAttributes() : SftpFileAttributes.Empty));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<SftpDirectoryEntry>?>(entries.Count == 0 ? null : entries);
    }

    public ValueTask DisposeAsync()
    {
        _fd.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static bool IsTemporary(string name) =>
        name.StartsWith(LocalFileSystem.TempPrefix, StringComparison.Ordinal) && name.EndsWith(LocalFileSystem.TempSuffix, StringComparison.Ordinal);

    private unsafe string? NextName()
    {
        if (_position >= _length)
        {
            if (_end)
            {
                return null;
            }

            nint n;
            fixed (byte* b = _buffer)
            {
                n = LocalNative.GetDents64(_fd, b, (nuint)_buffer.Length);
            }

            if (n < 0)
            {
                throw LocalErrorMapper.FromErrno(LocalNative.LastErrno, "readdir", _path);
            }

            if (n == 0)
            {
                _end = true;
                return null;
            }

            _length = (int)n;
            _position = 0;
        }

        // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
        var record = _buffer.AsSpan(_position);
        int recordLength = BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
        var name = record[19..recordLength];
        int nul = name.IndexOf((byte)0);
        _position += recordLength;
        return Encoding.UTF8.GetString(nul < 0 ? name : name[..nul]);
    }
}
