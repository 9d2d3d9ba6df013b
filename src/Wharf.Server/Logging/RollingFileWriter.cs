using System.IO.Compression;

namespace Wharf.Server.Logging;

/// <summary>
/// Appends lines to a log file and rotates it by size: the full file is renamed to
/// <c>name-&lt;UTC timestamp&gt;.ext</c> (optionally gzip-compressed), and backups beyond a count or an
/// age are deleted — lumberjack's behaviour, which SFTPGo users know. Thread-safe.
/// </summary>
public sealed class RollingFileWriter : IDisposable
{
    private readonly object _lock = new();
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _maxBackups;
    private readonly TimeSpan _maxAge;
    private readonly bool _compress;
    private FileStream _stream;

    /// <summary>Rotates after <paramref name="maxSizeMb"/> MB; keeps <paramref name="maxBackups"/> old files no older than <paramref name="maxAgeDays"/> (0: no limit).</summary>
    public RollingFileWriter(string path, int maxSizeMb = 10, int maxBackups = 5, int maxAgeDays = 28, bool compress = false)
    {
        _path = Path.GetFullPath(path);
        _maxBytes = Math.Max(1, maxSizeMb) * 1024L * 1024L;
        _maxBackups = maxBackups;
        _maxAge = maxAgeDays > 0 ? TimeSpan.FromDays(maxAgeDays) : TimeSpan.Zero;
        _compress = compress;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _stream = Open();
    }

    /// <summary>Overrides the size limit in bytes (tests rotate small files).</summary>
    internal long MaxBytesOverride { get; set; }

    private FileStream Open()
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        }

        return new FileStream(_path, options);
    }

    /// <summary>Writes one line (a newline is added).</summary>
    public void WriteLine(string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        lock (_lock)
        {
            long limit = MaxBytesOverride > 0 ? MaxBytesOverride : _maxBytes;
            if (_stream.Length > 0 && _stream.Length + bytes.Length > limit)
            {
                Rotate();
            }

            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    private void Rotate()
    {
        _stream.Dispose();
        string dir = Path.GetDirectoryName(_path)!;
        string name = Path.GetFileNameWithoutExtension(_path);
        string ext = Path.GetExtension(_path);
        string backup = Path.Combine(dir, $"{name}-{DateTime.UtcNow:yyyy-MM-ddTHH-mm-ss.fff}{ext}");
        File.Move(_path, backup, overwrite: true);
        if (_compress)
        {
            using (var input = File.OpenRead(backup))
            using (var output = new GZipStream(File.Create(backup + ".gz"), CompressionLevel.Optimal))
            {
                input.CopyTo(output);
            }

            File.Delete(backup);
        }

        _stream = Open();
        var backups = Directory.EnumerateFiles(dir, $"{name}-*{ext}*")
            .Select(f => new FileInfo(f)).OrderByDescending(f => f.Name, StringComparer.Ordinal).ToList();
        for (int i = 0; i < backups.Count; i++)
        {
            bool tooMany = _maxBackups > 0 && i >= _maxBackups;
            bool tooOld = _maxAge > TimeSpan.Zero && DateTime.UtcNow - backups[i].LastWriteTimeUtc > _maxAge;
            if (tooMany || tooOld)
            {
                backups[i].Delete();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _stream.Dispose();
        }
    }
}
