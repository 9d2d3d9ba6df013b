using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Wharf.Server.Accounts;
using Wharf.Ssh.Connection;

namespace Wharf.Server.Commands.System;

/// <summary>
/// SSH commands served by running the system's own programs (rsync, git) in the user's home.
/// They bypass the per-operation checks, so they are only allowed to users with every permission in
/// the directories they touch (as SFTPGo does); their paths are confined to the home, dangerous
/// options are refused, and the program never sees a shell or the server's environment.
/// </summary>
public static partial class SystemCommands
{
    /// <summary>Every command this class serves.</summary>
    public static IReadOnlyList<string> Names { get; } = ["rsync", "git-receive-pack", "git-upload-pack", "git-upload-archive"];

    private static readonly string[] SearchPath = ["/usr/bin", "/bin"];

    /// <summary>Options added to rsync when it would run as root.</summary>
    internal static readonly string[] RootRestrictions = ["--fake-super"];

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
        return plan is null ? Refuse($"wharf: {args[0]}: {error}\n", args[0]) : ctx => RunAsync(ctx, plan, context);
    }

    /// <summary>A checked command ready to run: the program, its arguments, and whether client data counts against the quota.</summary>
    internal sealed record Command(string Program, List<string> Arguments, bool CountsAgainstQuota);

    /// <summary>Checks the command line; null with a message when refused. For the unit tests.</summary>
    internal static Command? Plan(IReadOnlyList<string> args, SystemCommandContext context, out string error, bool? privileged = null)
    {
        error = "";
        string name = args[0];
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

            var argv = rsync.Arguments.Skip(1).ToList();
            if ((privileged ?? Environment.IsPrivilegedProcess) && context.Uid is null)
            {
                // rsync runs as root: --fake-super makes it act as an ordinary user (owners, devices and special
                // bits are kept in extended attributes, never applied), without changing the protocol.
                // Last (or just before "--"); --no-fake-super is refused.
                int at = argv.IndexOf("--");
                argv.InsertRange(at < 0 ? argv.Count : at, RootRestrictions);
            }

            return new Command("rsync", argv, !rsync.Sender);
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

        if (Accounts.Permission.Names.Any(n => !context.Permissions.Has(repo.Value.Virtual, n)))
        {
            error = "requires full permissions";
            return null;
        }

        bool receive = name == "git-receive-pack";
        if (receive && QuotaExhausted(context))
        {
            error = "quota exceeded";
            return null;
        }

        // Hooks, alternate-refs commands and the user's own ~/.gitconfig would let a user who can upload
        // files run programs on the server: none of them apply.
        List<string> gitArgs =
        [
            "-c", "core.hooksPath=/dev/null", "-c", "core.alternateRefsCommand=true", "-c", "core.fsmonitor=false",
            name["git-".Length..], repo.Value.Physical.TrimEnd('/'),
        ];
        return new Command("git", gitArgs, receive);
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

    private static string? Find(string program) =>
        SearchPath.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    [GeneratedRegex("^[A-Za-z0-9=:.,_-]{1,64}$")]
    private static partial Regex GitProtocolValue();

    private static async Task<int> RunAsync(SshCommandContext ctx, Command command, SystemCommandContext context)
    {
        try
        {
            var exe = Find(command.Program);
            if (exe is null)
            {
                await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes($"wharf: {command.Program} is not installed on this server\n"), ctx.Aborted).ConfigureAwait(false);
                return 127;
            }

            var argv = command.Arguments;
            if (context.Uid is { } uid && Environment.IsPrivilegedProcess)
            {
                var setpriv = Find("setpriv");
                if (setpriv is null)
                {
                    await ctx.Channel.WriteErrorAsync("wharf: setpriv is needed to run system commands as the user\n"u8.ToArray(), ctx.Aborted).ConfigureAwait(false);
                    return 127;
                }

                int gid = context.Gid ?? uid;
                argv = [$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--", exe, .. argv];
                exe = setpriv;
            }

            var psi = new ProcessStartInfo(exe)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = context.HomeDirectory,
            };
            foreach (var a in argv)
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment.Clear();
            psi.Environment["PATH"] = "/usr/bin:/bin";
            psi.Environment["HOME"] = context.HomeDirectory;
            psi.Environment["LANG"] = "C";
            if (command.Program == "git")
            {
                psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
                psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
                if (ctx.Environment.TryGetValue("GIT_PROTOCOL", out var gp) && GitProtocolValue().IsMatch(gp))
                {
                    psi.Environment["GIT_PROTOCOL"] = gp;
                }
            }

            return await PumpAsync(ctx, psi, command.CountsAgainstQuota ? context.RemainingQuotaBytes : null).ConfigureAwait(false);
        }
        finally
        {
            if (context.OnFinished is { } finished)
            {
                await finished().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> PumpAsync(SshCommandContext ctx, ProcessStartInfo psi, long? byteLimit)
    {
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("the process did not start");
        bool overQuota = false;
        using var stopInput = CancellationTokenSource.CreateLinkedTokenSource(ctx.Aborted);
        await using var abort = ctx.Aborted.Register(() => Kill(process)).ConfigureAwait(false);

        var output = CopyOutAsync(process.StandardOutput.BaseStream, (m, ct) => ctx.Channel.WriteAsync(m, ct), ctx.Aborted);
        var errors = CopyOutAsync(process.StandardError.BaseStream, (m, ct) => ctx.Channel.WriteErrorAsync(m, ct), ctx.Aborted);
        var input = Task.Run(async () =>
        {
            var stdin = process.StandardInput.BaseStream;
            long total = 0;
            try
            {
                while (true)
                {
                    var r = await ctx.Channel.Input.ReadAsync(stopInput.Token).ConfigureAwait(false);
                    total += r.Buffer.Length;
                    if (byteLimit is { } limit && total > limit)
                    {
                        overQuota = true;
                        Kill(process);
                        ctx.Channel.Input.AdvanceTo(r.Buffer.End);
                        return;
                    }

                    foreach (var seg in r.Buffer)
                    {
                        await stdin.WriteAsync(seg, stopInput.Token).ConfigureAwait(false);
                    }

                    await stdin.FlushAsync(stopInput.Token).ConfigureAwait(false);
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

        try
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(output, errors).ConfigureAwait(false);
        }
        finally
        {
            await stopInput.CancelAsync().ConfigureAwait(false);
            await input.ConfigureAwait(false);
        }

        if (overQuota)
        {
            await ctx.Channel.WriteErrorAsync("wharf: quota exceeded\n"u8.ToArray(), ctx.Aborted).ConfigureAwait(false);
            return 1;
        }

        return process.ExitCode;
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
