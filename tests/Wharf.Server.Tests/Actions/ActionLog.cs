using System.Text.Json;
using Wharf.Server.Logging;

namespace Wharf.Server.Tests.Actions;

/// <summary>A real <see cref="JsonLineLog"/> on a temporary file, read back as JSON entries.</summary>
internal sealed class ActionLog : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "wharf-actions-log-" + Guid.NewGuid().ToString("N")[..8] + ".log");

    public ActionLog() => Log = new JsonLineLog(_path, console: false);

    public JsonLineLog Log { get; }

    /// <summary>The entries written by the action runner.</summary>
    public IReadOnlyList<JsonElement> Entries()
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var entries = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            var e = JsonDocument.Parse(line).RootElement.Clone();
            if (e.GetProperty("sender").GetString() == "actions")
            {
                entries.Add(e);
            }
        }

        return entries;
    }

    /// <summary>Waits for an entry whose message contains <paramref name="text"/>.</summary>
    public async Task<JsonElement> WaitForAsync(string text, TimeSpan? timeout = null)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            foreach (var e in Entries())
            {
                if (e.GetProperty("message").GetString()!.Contains(text, StringComparison.Ordinal))
                {
                    return e;
                }
            }

            if (sw.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"no log entry with '{text}': {string.Join(" | ", Entries().Select(e => e.GetProperty("message").GetString()))}");
            }

            await Task.Delay(25);
        }
    }

    public void Dispose()
    {
        Log.Dispose();
        File.Delete(_path);
    }
}
