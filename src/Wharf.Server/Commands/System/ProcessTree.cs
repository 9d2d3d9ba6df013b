using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Wharf.Server.Commands.System;

/// <summary>Stops a process and everything it started: SIGTERM first (rsync then removes its temporary file), SIGKILL after a grace period.</summary>
internal static partial class ProcessTree
{
    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM to <paramref name="process"/>'s descendants, waits up to <paramref name="grace"/>, then kills the whole tree.</summary>
    internal static async Task TerminateAsync(Process process, TimeSpan grace)
    {
        foreach (var pid in Descendants(process.Id))
        {
            _ = SendSignal(pid, SigTerm);
        }

        using var cts = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or global::System.ComponentModel.Win32Exception)
            {
                // Already exited.
            }
        }
    }

    /// <summary>Every process whose parent chain leads to <paramref name="root"/> (from /proc/*/stat).</summary>
    internal static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(rest[1], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // Gone meanwhile.
            }
        }

        var result = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.Count > 0)
        {
            int p = frontier.Dequeue();
            foreach (var (child, parent) in parents)
            {
                if (parent == p)
                {
                    result.Add(child);
                    frontier.Enqueue(child);
                }
            }
        }

        return result;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
