using System.Text.Json;

namespace Wharf.Server.Logging;

/// <summary>
/// Writes one JSON object per line (level, time, sender, message, and any extra fields) to a
/// file and/or the console. Thread-safe; the file is opened for append and shared.
/// </summary>
public sealed class JsonLineLog : IDisposable
{
    private readonly object _lock = new();
    private readonly RollingFileWriter? _file;
    private readonly bool _console;

    /// <summary>Logs to <paramref name="path"/> (null: no file), rotated by size and age, and, if asked, to standard error.</summary>
    public JsonLineLog(string? path, bool console, int maxSizeMb = 10, int maxBackups = 5, int maxAgeDays = 28, bool compress = false)
    {
        _console = console;
        if (!string.IsNullOrEmpty(path))
        {
            _file = new RollingFileWriter(path, maxSizeMb, maxBackups, maxAgeDays, compress);
        }
    }

    /// <summary>Whether "debug" entries are written (serve's --log-verbose); others always are.</summary>
    public bool Verbose { get; init; }

    /// <summary>
    /// The level names SFTPGo's logs use ("debug", "info", "warn", "error"), so log shippers and
    /// dashboards that filter on them keep working.
    /// </summary>
    public static string LevelName(Wharf.Ssh.SshLogLevel level) => level switch
    {
        Wharf.Ssh.SshLogLevel.Debug => "debug",
        Wharf.Ssh.SshLogLevel.Information => "info",
        Wharf.Ssh.SshLogLevel.Warning => "warn",
        _ => "error",
    };

    /// <summary>The rotating file, for tests.</summary>
    internal RollingFileWriter? File => _file;

    /// <summary>Writes one entry.</summary>
    public void Write(string level, string sender, string message, IReadOnlyDictionary<string, object?>? fields = null)
    {
        if (!Verbose && level == "debug")
        {
            return;
        }

        var entry = new Dictionary<string, object?>
        {
            ["level"] = level,
            ["time"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["sender"] = sender,
            ["message"] = message,
        };
        if (fields is not null)
        {
            foreach (var (k, v) in fields)
            {
                entry[k] = v;
            }
        }

        string line = JsonSerializer.Serialize(entry);
        lock (_lock)
        {
            _file?.WriteLine(line);
            if (_console)
            {
                Console.Error.WriteLine(line);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _file?.Dispose();
}
