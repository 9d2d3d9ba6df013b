using System.Diagnostics;

namespace Wharf.Server.Tests.Actions;

/// <summary>
/// A real bash script, written to a temporary directory, that records each run's arguments and
/// environment in its own file (written whole, then renamed, so a record is never read half-done).
/// </summary>
internal sealed class RecordingScript : IDisposable
{
    public RecordingScript(string body = "")
    {
        Directory.CreateDirectory(Records);
        File.WriteAllText(Path, $$"""
            #!/bin/bash
            out=$(mktemp "{{Records}}/run.XXXXXXXX")
            {
              printf 'argc:%s\n' "$#"
              for a in "$@"; do printf 'arg:%s\n' "$a"; done
              env | sed 's/^/env:/'
            } > "$out"
            mv "$out" "$out.rec"
            {{body}}
            """);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Dir { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wharf-actions-" + Guid.NewGuid().ToString("N")[..8]);

    public string Path => System.IO.Path.Combine(Dir, "hook.sh");

    public string Records => System.IO.Path.Combine(Dir, "records");

    public IReadOnlyList<Run> ReadRuns() =>
        [.. Directory.GetFiles(Records, "*.rec").Select(f => Run.Parse(File.ReadAllLines(f)))];

    /// <summary>Waits until at least <paramref name="count"/> runs are recorded.</summary>
    public async Task<IReadOnlyList<Run>> WaitForRunsAsync(int count, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var runs = ReadRuns();
            if (runs.Count >= count)
            {
                return runs;
            }

            if (sw.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"{runs.Count} of {count} runs recorded");
            }

            await Task.Delay(25);
        }
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    internal sealed record Run(int Argc, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env)
    {
        public static Run Parse(string[] lines)
        {
            int argc = int.Parse(lines[0]["argc:".Length..]);
            var args = lines.Where(l => l.StartsWith("arg:", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var l in lines.Where(l => l.StartsWith("env:", StringComparison.Ordinal)))
            {
                var kv = l[4..].Split('=', 2);
                env[kv[0]] = kv.Length > 1 ? kv[1] : "";
            }

            return new Run(argc, args, env);
        }
    }
}
