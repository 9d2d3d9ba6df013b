using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Wharf.Server.Actions;

/// <summary>How a command ended.</summary>
internal enum CommandEnd
{
    Exited,
    TimedOut,
    Cancelled,
    NotStarted,
}

/// <summary>A command's outcome: how it ended, its exit code, the start of its standard error, and how long it took.</summary>
internal sealed record CommandOutcome(CommandEnd End, int ExitCode, string StandardError, TimeSpan Elapsed, string? StartError = null);

/// <summary>
/// Runs an action's command: no shell (arguments are passed as they are), a minimal
/// environment, standard input closed, output drained so a chatty hook cannot block on a full
/// pipe, and a deadline after which the whole process tree is killed.
/// </summary>
internal static class ActionCommand
{
    private const int StandardErrorKept = 1024;

    // The server's own environment may hold secrets (WHARF_DATA_PROVIDER__PASSWORD, …); a hook
    // gets only what it needs to run ordinary tools, plus the action's variables.
    private static readonly string[] Inherited = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"];

    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PipeGrace = TimeSpan.FromSeconds(2);

    public static async Task<CommandOutcome> RunAsync(string command, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, TimeSpan timeout, CancellationToken shutdown)
    {
        var started = Stopwatch.GetTimestamp();
        var psi = new ProcessStartInfo(command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Clear();
        foreach (var name in Inherited)
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
            {
                psi.Environment[name] = value;
            }
        }

        psi.Environment.TryAdd("PATH", "/usr/local/bin:/usr/bin:/bin");
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process was started");
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            return new CommandOutcome(CommandEnd.NotStarted, -1, "", Stopwatch.GetElapsedTime(started), ex.Message);
        }

        using (process)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command exited before we closed its input: nothing to do.
            }

            var stdout = DrainAsync(process.StandardOutput, 0);
            var stderr = DrainAsync(process.StandardError, StandardErrorKept);
            var end = CommandEnd.Exited;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown))
            {
                deadline.CancelAfter(timeout);
                try
                {
                    await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    end = shutdown.IsCancellationRequested ? CommandEnd.Cancelled : CommandEnd.TimedOut;
                    KillTree(process);
                    try
                    {
                        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(ExitGrace).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        // Unkillable (e.g. stuck in the kernel): give up waiting rather than stall a worker.
                    }
                }
            }

            try
            {
                // A daemon the hook started outside its process tree may keep the pipes open.
                await Task.WhenAll(stdout, stderr).WaitAsync(PipeGrace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            int exitCode = process.HasExited ? process.ExitCode : -1;
            string errorText = stderr.IsCompletedSuccessfully ? stderr.Result : "";
            return new CommandOutcome(end, exitCode, errorText, Stopwatch.GetElapsedTime(started));
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>Reads a pipe to its end, keeping at most <paramref name="keep"/> characters.</summary>
    private static async Task<string> DrainAsync(StreamReader reader, int keep)
    {
        var kept = new StringBuilder();
        var buffer = new char[4096];
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                int take = Math.Min(n, keep - kept.Length);
                if (take > 0)
                {
                    kept.Append(buffer, 0, take);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The process was disposed while a descendant still held the pipe.
        }

        return kept.ToString().Trim();
    }
}
