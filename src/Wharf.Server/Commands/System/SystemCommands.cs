using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Ssh.Connection;

namespace Wharf.Server.Commands.System;

/// <summary>
/// SSH commands served by running the system's own programs (rsync, git) on the user's home. A
/// program opens whatever its protocol, its config files and the files it reads lead it to, so
/// checking its arguments is not a boundary: each runs in a <see cref="Sandbox"/> that holds only
/// the home, as the user (never root), and only for users whose permissions are full everywhere.
/// Where no sandbox can be made the commands are refused. Git reads a filtered copy of the
/// repository's config (<see cref="GitConfigFilter"/>), so nothing uploaded decides what runs.
/// </summary>
public static partial class SystemCommands
{
    /// <summary>Every command this class serves.</summary>
    public static IReadOnlyList<string> Names { get; } = ["rsync", "git-receive-pack", "git-upload-pack", "git-upload-archive"];

    /// <summary>Where the repository a git command works on appears inside the sandbox.</summary>
    internal const string RepositoryInside = "/repo";

    /// <summary>PumpAsync's result when the program was stopped, or ended, over the quota (the client sees 1).</summary>
    private const int QuotaExceededStatus = -2;

    /// <summary>How often an upload's real usage is measured against the quota.</summary>
    internal static TimeSpan UsagePollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Null when <paramref name="args"/>[0] is not one of <see cref="Names"/>; otherwise a handler that runs
    /// the command, or that explains the refusal on stderr and exits with 1.
    /// </summary>
    public static SshCommandHandler? Resolve(IReadOnlyList<string> args, SystemCommandContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        if (args.Count == 0 || !Names.Contains(args[0]))
        {
            return null;
        }

        var plan = Plan(args, context, out var error);
        if (plan is not null && Sandbox.Unavailable is { } why)
        {
            plan = null;
            error = $"system commands run only in a sandbox, and none can be made on this server: {why}";
        }

        return plan is null ? Refuse($"wharf: {args[0]}: {error}\n", args[0]) : ctx => RunAsync(ctx, plan, context);
    }

    /// <summary>
    /// A checked command ready to run: the program, its arguments, whether client data counts against the
    /// quota, and for git the repository (virtual path) whose directory is mounted at <see cref="RepositoryInside"/>.
    /// </summary>
    /// <remarks>
    /// <see cref="TakeBackUnder"/>: an upload that ends over the quota has the files it created at or under
    /// this virtual path removed (rsync's destination; its files are independent); null for a git push,
    /// which keeps its single pack (see <see cref="Plan"/>).
    /// </remarks>
    internal sealed record Command(string Program, List<string> Arguments, bool CountsAgainstQuota, string? Repository = null, string? TakeBackUnder = null);

    /// <summary>Checks the command line; null with a message when refused. For the unit tests.</summary>
    internal static Command? Plan(IReadOnlyList<string> args, SystemCommandContext context, out string error, bool? privileged = null)
    {
        error = "";
        string name = args[0];
        if ((privileged ?? Environment.IsPrivilegedProcess) && (context.Uid is not > 0 || context.Gid is not > 0))
        {
            error = "this account has no uid and gid of its own, and system commands never run as root";
            return null;
        }

        if (!context.Permissions.IsFullEverywhere)
        {
            error = "requires full permissions";
            return null;
        }

        if (name == "rsync")
        {
            var rsync = RsyncArguments.Check(args, context.HomeDirectory, context.Permissions, out error);
            if (rsync is null)
            {
                return null;
            }

            if (!rsync.Sender && QuotaExhausted(context))
            {
                error = "quota exceeded";
                return null;
            }

            // A receiver writes under its one destination: only what appears there can be rsync's.
            return new Command("rsync", rsync.Arguments.Skip(1).ToList(), !rsync.Sender, TakeBackUnder: rsync.Sender ? null : rsync.VirtualPaths[^1]);
        }

        if (args.Count != 2)
        {
            error = "expected exactly one repository path";
            return null;
        }

        var repo = HomePaths.Resolve(context.HomeDirectory, args[1], out error);
        if (repo is null)
        {
            return null;
        }

        bool receive = name == "git-receive-pack";
        if (receive && QuotaExhausted(context))
        {
            error = "quota exceeded";
            return null;
        }

        // Command-line settings win over the repository's: hooks and the helper commands stay off even if
        // a future git reads a key the filter let through.
        List<string> gitArgs =
        [
            "-c", "core.hooksPath=/dev/null", "-c", "core.alternateRefsCommand=true", "-c", "core.fsmonitor=false",
            "-c", "protocol.allow=never", "-c", "receive.certNonceSeed=",
            // A push is kept as one pack (never exploded into loose objects): one new file of at most the
            // quota left (RLIMIT_FSIZE) and its index, so a push can overshoot the file quota by two at most.
            "-c", "receive.unpackLimit=1", "-c", "transfer.unpackLimit=1",
            name["git-".Length..],
        ];
        if (name == "git-upload-pack")
        {
            gitArgs.Add("--strict");
        }

        gitArgs.Add(RepositoryInside);
        return new Command("git", gitArgs, receive, repo.Value.Virtual);
    }

    private static bool QuotaExhausted(SystemCommandContext c) => c.RemainingQuotaBytes <= 0 || c.RemainingQuotaFiles <= 0;

    private static SshCommandHandler Refuse(string message, string name) => async ctx =>
    {
        if (message.EndsWith("requires full permissions\n", StringComparison.Ordinal))
        {
            message = $"wharf: {name} requires full permissions\n";
        }

        await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes(message), ctx.Aborted).ConfigureAwait(false);
        return 1;
    };

    [GeneratedRegex("^[A-Za-z0-9=:.,_-]{1,64}$")]
    private static partial Regex GitProtocolValue();

    private static async Task<int> RunAsync(SshCommandContext ctx, Command command, SystemCommandContext context)
    {
        var held = new List<IDisposable>();
        string? filteredConfig = null;
        try
        {
            var exe = Sandbox.Find(command.Program);
            if (exe is null)
            {
                return await FailAsync(ctx, $"wharf: {command.Program} is not installed on this server\n", 127).ConfigureAwait(false);
            }

            using var fs = new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = context.HomeDirectory });
            var home = fs.OpenDirectoryDescriptor("/");
            held.Add(home);
            bool privileged = Environment.IsPrivilegedProcess;
            bool limited = command.CountsAgainstQuota && (context.RemainingQuotaBytes is not null || context.RemainingQuotaFiles is not null);
            var spec = new Sandbox.Spec
            {
                HomeSource = Sandbox.DescriptorPath(home),
                Program = exe,
                Arguments = command.Arguments,
                Uid = context.Uid,
                Gid = context.Gid,
                Limits = context.Limits,
                MaxFileSize = command.CountsAgainstQuota ? context.RemainingQuotaBytes : null,
            };

            if (command.Repository is { } repository)
            {
                var located = await GitRepository.LocateAsync(fs, repository, ctx.Aborted).ConfigureAwait(false);
                if (located.Error is { } locateError)
                {
                    return await FailAsync(ctx, $"wharf: {command.Program}: {locateError}\n", 1).ConfigureAwait(false);
                }

                var filtered = GitConfigFilter.Filter(located.Config!, out var configError);
                if (filtered is null)
                {
                    return await FailAsync(ctx, $"wharf: git: {located.Path}/config: {configError}\n", 1).ConfigureAwait(false);
                }

                filteredConfig = WriteFilteredConfig(filtered);
                var repoFd = fs.OpenDirectoryDescriptor(located.Path!);
                held.Add(repoFd);
                spec.Binds.Add(new Sandbox.Bind(Sandbox.DescriptorPath(repoFd), RepositoryInside, ReadOnly: false));
                spec.Binds.Add(new Sandbox.Bind(filteredConfig, RepositoryInside + "/config", ReadOnly: true));
                spec.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
                spec.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
                spec.Environment["GIT_ATTR_NOSYSTEM"] = "1";
                spec.Environment["GIT_TERMINAL_PROMPT"] = "0";
                // A commondir file would send git to another directory's config: the repository is its own.
                spec.Environment["GIT_COMMON_DIR"] = RepositoryInside;
                spec.Environment["GIT_DIR"] = RepositoryInside;
                if (ctx.Environment.TryGetValue("GIT_PROTOCOL", out var gp) && GitProtocolValue().IsMatch(gp))
                {
                    spec.Environment["GIT_PROTOCOL"] = gp;
                }
            }

            var argv = Sandbox.CommandLine(spec, privileged);
            var psi = new ProcessStartInfo(argv[0])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = "/",
            };
            foreach (var a in argv.Skip(1))
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment.Clear();
            Func<CancellationToken, Task<(long, long)>>? measure = null;
            if (limited)
            {
                // The quota's own scan: the same counting model, descriptor-relative, never following a link.
                var homePath = context.HomeDirectory;
                measure = context.MeasureUsage ?? (ct => Task.Run(() =>
                {
                    var q = Storage.QuotaScanner.Scan(homePath);
                    return (q.Size, (long)q.Files);
                }, ct));
            }

            HashSet<string>? before = limited && command.TakeBackUnder is not null ? await NewFiles.ListAsync(fs, ctx.Aborted).ConfigureAwait(false) : null;
            int status = await PumpAsync(ctx, psi, measure, context, killAtOnce: before is not null).ConfigureAwait(false);
            if (status == QuotaExceededStatus && before is not null)
            {
                // The program stored more than the quota left before it could be stopped: what it created goes,
                // so the home never keeps more than the limit (files it rewrote stay, in their new version).
                int removed = await NewFiles.RemoveCreatedAsync(fs, before, command.TakeBackUnder!, CancellationToken.None).ConfigureAwait(false);
                if (removed > 0)
                {
                    await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes($"wharf: {removed} file(s) this transfer created were removed\n"), ctx.Aborted).ConfigureAwait(false);
                }
            }

            return status == QuotaExceededStatus ? 1 : status;
        }
        catch (Exception e) when (e is Sftp.SftpException or IOException or UnauthorizedAccessException)
        {
            // The home or the repository changed under the checks (removed, replaced): refuse cleanly.
            return await FailAsync(ctx, $"wharf: {command.Program}: {e.Message}\n", 1).ConfigureAwait(false);
        }
        finally
        {
            foreach (var h in held)
            {
                h.Dispose();
            }

            if (filteredConfig is not null)
            {
                File.Delete(filteredConfig);
            }

            if (context.OnFinished is { } finished)
            {
                await finished().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> FailAsync(SshCommandContext ctx, string message, int status)
    {
        await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes(message), ctx.Aborted).ConfigureAwait(false);
        return status;
    }

    /// <summary>A private directory (mkdtemp: mode 0700, a name nobody can guess or plant beforehand) for the filtered configs.</summary>
    private static readonly Lazy<string> FilteredConfigDirectory = new(() => Directory.CreateTempSubdirectory("wharf-git-config-").FullName);

    /// <summary>The filtered config goes to a directory only the server's user can enter; the file itself is world-readable so the sandboxed uid can read it through the bind.</summary>
    private static string WriteFilteredConfig(string text)
    {
        var dir = FilteredConfigDirectory.Value;
        var path = Path.Combine(dir, Guid.NewGuid().ToString("N"));
        using (var f = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            f.Write(Encoding.UTF8.GetBytes(text));
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    /// <param name="killAtOnce">
    /// Over the quota, kill the program outright instead of asking it to stop. Used when what it created
    /// is taken back afterwards: rsync answers SIGTERM with an in-band error, on which its client exits
    /// while the take-back is still running, so the user could see files that are about to go. Killed, it
    /// says nothing, and its client waits for the channel to end, which comes after the take-back.
    /// </param>
    private static async Task<int> PumpAsync(SshCommandContext ctx, ProcessStartInfo psi, Func<CancellationToken, Task<(long Size, long Files)>>? measure, SystemCommandContext context, bool killAtOnce)
    {
        // The baseline is taken before the program starts, so all it stores is measured against what was left.
        (long Size, long Files) baseline = default;
        if (measure is not null)
        {
            if (await TryMeasureAsync(measure, ctx.Aborted).ConfigureAwait(false) is not { } start)
            {
                await ctx.Channel.WriteErrorAsync("wharf: the home cannot be measured for the quota\n"u8.ToArray(), ctx.Aborted).ConfigureAwait(false);
                return 1;
            }

            baseline = start;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("the process did not start");
        int overQuota = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Aborted);
        await using var abort = ctx.Aborted.Register(() => Kill(process)).ConfigureAwait(false);

        var output = CopyOutAsync(process.StandardOutput.BaseStream, (m, ct) => ctx.Channel.WriteAsync(m, ct), ctx.Aborted);
        // EFBIG can only come from RLIMIT_FSIZE, set to the quota left: rsync and git print strerror for it.
        int tooLarge = 0;
        var errors = CopyOutAsync(process.StandardError.BaseStream, (m, ct) =>
        {
            if (measure is not null && m.Span.IndexOf("File too large"u8) >= 0)
            {
                Interlocked.Exchange(ref tooLarge, 1);
            }

            return ctx.Channel.WriteErrorAsync(m, ct);
        }, ctx.Aborted);
        var input = Task.Run(async () =>
        {
            var stdin = process.StandardInput.BaseStream;
            try
            {
                while (true)
                {
                    var r = await ctx.Channel.Input.ReadAsync(stop.Token).ConfigureAwait(false);
                    foreach (var seg in r.Buffer)
                    {
                        await stdin.WriteAsync(seg, stop.Token).ConfigureAwait(false);
                    }

                    await stdin.FlushAsync(stop.Token).ConfigureAwait(false);
                    ctx.Channel.Input.AdvanceTo(r.Buffer.End);
                    if (r.IsCompleted)
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                // The process exited, or the channel closed: nothing more to deliver.
            }
            finally
            {
                try
                {
                    stdin.Close();
                }
                catch (IOException)
                {
                    // Already gone.
                }
            }
        });

        // What counts is what the program stores (compression and deltas make the wire say little), so the
        // home is measured while it runs and the program stopped once it holds more than the quota left.
        var watcher = measure is null ? Task.CompletedTask : Task.Run(async () =>
        {
            try
            {
                while (!process.HasExited)
                {
                    await Task.Delay(UsagePollInterval, stop.Token).ConfigureAwait(false);
                    if (await TryMeasureAsync(measure, stop.Token).ConfigureAwait(false) is not { } now)
                    {
                        continue; // a directory vanished or was unreadable mid-walk: the next poll sees the home again
                    }

                    if ((context.RemainingQuotaBytes is { } bytes && now.Size - baseline.Size > bytes)
                        || (context.RemainingQuotaFiles is { } files && now.Files - baseline.Files > files))
                    {
                        Interlocked.Exchange(ref overQuota, 1);

                        // Said before the program is stopped: the client exits as soon as it sees the program fail.
                        await ctx.Channel.WriteErrorAsync("wharf: quota exceeded\n"u8.ToArray(), ctx.Aborted).ConfigureAwait(false);
                        if (killAtOnce)
                        {
                            Kill(process);
                        }
                        else
                        {
                            await ProcessTree.TerminateAsync(process, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                        }

                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The program ended.
            }
        });

        try
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(output, errors).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await input.ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
        }

        // A file may have hit RLIMIT_FSIZE (the quota left), or the last poll come too late: measure once more.
        bool overAtEnd = false;
        if (measure is not null && Volatile.Read(ref overQuota) == 0)
        {
            var end = await TryMeasureAsync(measure, CancellationToken.None).ConfigureAwait(false) ?? baseline;
            if ((context.RemainingQuotaBytes is { } b && end.Size - baseline.Size > b) || (context.RemainingQuotaFiles is { } f && end.Files - baseline.Files > f)
                || process.ExitCode == 128 + 25 || Volatile.Read(ref tooLarge) == 1)
            {
                overAtEnd = true;
            }
        }

        if (Volatile.Read(ref overQuota) == 1)
        {
            return QuotaExceededStatus;
        }

        if (overAtEnd)
        {
            await ctx.Channel.WriteErrorAsync("wharf: quota exceeded\n"u8.ToArray(), ctx.Aborted).ConfigureAwait(false);
            return QuotaExceededStatus;
        }

        return process.ExitCode;
    }

    /// <summary>One measurement of the home, or null when the walk failed (the home changed under it, or a directory is unreadable).</summary>
    private static async Task<(long Size, long Files)?> TryMeasureAsync(Func<CancellationToken, Task<(long Size, long Files)>> measure, CancellationToken ct)
    {
        try
        {
            return await measure(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Sftp.SftpException)
        {
            return null;
        }
    }

    private static async Task CopyOutAsync(Stream source, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> write, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                await write(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The channel closed: drain nothing more (the process is being killed).
        }
    }

    private static void Kill(Process process)
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
