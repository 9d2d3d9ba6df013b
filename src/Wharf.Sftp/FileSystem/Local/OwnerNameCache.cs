namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// uid/gid to name maps read from /etc/passwd and /etc/group. Re-read at most once a minute, and
/// only when the file changed, since listings ask for a name per entry.
/// </summary>
internal sealed class OwnerNameCache
{
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(1);

    private readonly string _path;
    private readonly int _idField;
    private readonly Lock _lock = new();
    private Dictionary<uint, string> _names = [];
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private long _nextCheck;

    public OwnerNameCache(string path, int idField)
    {
        _path = path;
        _idField = idField;
    }

    public string? Get(uint id)
    {
        lock (_lock)
        {
            long now = Environment.TickCount64;
            if (now >= _nextCheck)
            {
                _nextCheck = now + (long)RecheckInterval.TotalMilliseconds;
                Reload();
            }

            return _names.GetValueOrDefault(id);
        }
    }

    private void Reload()
    {
        try
        {
            var writeTime = File.GetLastWriteTimeUtc(_path);
            if (writeTime == _loadedWriteTime)
            {
                return;
            }

            var names = new Dictionary<uint, string>();
            foreach (var line in File.ReadLines(_path))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var fields = line.Split(':');
                if (fields.Length > _idField && fields[0].Length > 0 && uint.TryParse(fields[_idField], out uint id))
                {
                    // The first entry for an id is the one getpwuid would return.
                    names.TryAdd(id, fields[0]);
                }
            }

            _names = names;
            _loadedWriteTime = writeTime;
        }
        catch (IOException)
        {
            // Names are cosmetic: without the file, listings fall back to numbers.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
