using System.Diagnostics;
using System.Globalization;

namespace Wharf.Server.Commands.System;

/// <summary>
/// The world a system command (rsync, git) runs in: a bubblewrap sandbox holding only the user's
/// home (mounted at <see cref="HomeInside"/>) and the read-only <c>/usr</c> tree, with a private
/// <c>/tmp</c>, <c>/proc</c> and <c>/dev</c>, no <c>/etc</c>, no network, a new session and
/// process id namespace, killed with the server. When the server runs as root the command runs as
/// the user's uid/gid with no capabilities (setpriv inside the sandbox); otherwise as the server's
/// own user inside an unprivileged user namespace. CPU, memory, process and file-size limits
/// apply (prlimit). Directories are handed over as descriptors (<c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c>)
/// so what is mounted is exactly what was checked, whatever the user renames meanwhile.
/// </summary>
internal static class Sandbox
{
    /// <summary>Where the home appears inside the sandbox.</summary>
    internal const string HomeInside = "/home";

    private static readonly string[] SearchPath = ["/usr/bin", "/bin"];
    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>Null when a sandbox can be made here; otherwise why not (bubblewrap missing or refused).</summary>
    internal static string? Unavailable => Problem.Value;

    /// <summary>A program's full path in /usr/bin or /bin, or null.</summary>
    internal static string? Find(string program) =>
        SearchPath.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>A read-only or writable bind of a host path (or /proc fd path) onto a path inside.</summary>
    internal readonly record struct Bind(string Source, string Destination, bool ReadOnly);

    /// <summary>What to run and with which walls.</summary>
    internal sealed class Spec
    {
        public required string HomeSource { get; init; }

        public List<Bind> Binds { get; } = [];

        public required string Program { get; init; }

        public required IReadOnlyList<string> Arguments { get; init; }

        /// <summary>The uid/gid to run as when the server is root (required then).</summary>
        public int? Uid { get; init; }

        public int? Gid { get; init; }

        public required SandboxLimits Limits { get; init; }

        /// <summary>The command's whole environment (bwrap starts it from an empty one).</summary>
        public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

        /// <summary>RLIMIT_FSIZE: no file may grow past this many bytes (the quota left), or null.</summary>
        public long? MaxFileSize { get; init; }
    }

    /// <summary>The bwrap command line for <paramref name="spec"/>: the program first, then its arguments.</summary>
    internal static List<string> CommandLine(Spec spec, bool privileged)
    {
        var bwrap = Find("bwrap") ?? "/usr/bin/bwrap";
        var a = new List<string> { bwrap };
        if (privileged)
        {
            // No user namespace: as root, bwrap would map the user's uid onto root. setpriv below drops
            // to the real uid instead, with every capability gone.
            a.AddRange(["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]);
        }
        else
        {
            a.AddRange(["--unshare-all", "--unshare-user", "--disable-userns"]);
        }

        a.AddRange(["--die-with-parent", "--new-session", "--clearenv"]);
        a.AddRange(["--ro-bind", "/usr", "/usr"]);
        foreach (var top in new[] { "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32" })
        {
            var info = new FileInfo(top);
            if (info.LinkTarget is { } target)
            {
                a.AddRange(["--symlink", target, top]);
            }
            else if (Directory.Exists(top))
            {
                a.AddRange(["--ro-bind", top, top]);
            }
        }

        a.AddRange(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
        a.AddRange(["--bind", spec.HomeSource, HomeInside]);
        foreach (var b in spec.Binds)
        {
            a.AddRange([b.ReadOnly ? "--ro-bind" : "--bind", b.Source, b.Destination]);
        }

        a.AddRange(["--chdir", HomeInside]);
        // HOME is the sandbox's empty /tmp, never the user's home: rsync reads option aliases from ~/.popt
        // and git its ~/.gitconfig, both files a user could upload.
        a.AddRange(["--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C"]);
        foreach (var (k, v) in spec.Environment)
        {
            a.AddRange(["--setenv", k, v]);
        }
        a.Add("--");
        if (privileged)
        {
            if (spec.Uid is not { } uid || spec.Gid is not { } gid)
            {
                throw new InvalidOperationException("a uid and gid are needed to run a sandboxed command as root");
            }

            a.AddRange([Find("setpriv") ?? "/usr/bin/setpriv", $"--reuid={uid}", $"--regid={gid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]);
        }

        var l = spec.Limits;
        a.AddRange([Find("prlimit") ?? "/usr/bin/prlimit",
            $"--cpu={l.CpuSeconds.ToString(CultureInfo.InvariantCulture)}",
            $"--as={l.MemoryBytes.ToString(CultureInfo.InvariantCulture)}",
            $"--nproc={l.Processes.ToString(CultureInfo.InvariantCulture)}",
            $"--nofile={l.OpenFiles.ToString(CultureInfo.InvariantCulture)}"]);
        if (spec.MaxFileSize is { } max)
        {
            a.Add($"--fsize={Math.Max(max, 1).ToString(CultureInfo.InvariantCulture)}");
        }

        a.Add("--");
        a.Add(spec.Program);
        a.AddRange(spec.Arguments);
        return a;
    }

    /// <summary>The path a sandbox can bind to name the descriptor <paramref name="fd"/> of this process.</summary>
    internal static string DescriptorPath(Microsoft.Win32.SafeHandles.SafeFileHandle fd) =>
        $"/proc/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/fd/{fd.DangerousGetHandle().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Makes one sandbox around <c>true</c>, so a server that cannot make one refuses the commands up front.</summary>
    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "system commands are sandboxed with bubblewrap, which needs Linux";
        }

        foreach (var tool in new[] { "bwrap", "prlimit", "setpriv" })
        {
            if (Find(tool) is null)
            {
                return $"{tool} is not installed (Debian: apt install {(tool == "bwrap" ? "bubblewrap" : "util-linux")})";
            }
        }

        var dir = Directory.CreateTempSubdirectory("wharf-sandbox-probe-");
        try
        {
            bool privileged = Environment.IsPrivilegedProcess;
            var args = CommandLine(new Spec
            {
                HomeSource = dir.FullName,
                Program = Find("true") ?? "/usr/bin/true",
                Arguments = [],
                Uid = privileged ? 65534 : null,
                Gid = privileged ? 65534 : null,
                Limits = new SandboxLimits(),
            }, privileged);
            var psi = new ProcessStartInfo(args[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var x in args.Skip(1))
            {
                psi.ArgumentList.Add(x);
            }

            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(15_000))
            {
                p.Kill(entireProcessTree: true);
                return "bubblewrap did not start a sandbox within 15 s";
            }

            return p.ExitCode == 0 ? null : $"bubblewrap cannot make a sandbox here: {err.Result.Trim()}";
        }
        catch (Exception e) when (e is IOException or global::System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"bubblewrap cannot make a sandbox here: {e.Message}";
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

/// <summary>Resource limits for a sandboxed system command (prlimit: per process, and processes per uid).</summary>
public sealed record SandboxLimits
{
    /// <summary>CPU seconds per process (RLIMIT_CPU). Default one hour.</summary>
    public long CpuSeconds { get; init; } = 3600;

    /// <summary>Address space per process (RLIMIT_AS). Default 4 GiB: git maps pack files.</summary>
    public long MemoryBytes { get; init; } = 4L << 30;

    /// <summary>Processes of the uid (RLIMIT_NPROC). Default 256.</summary>
    public long Processes { get; init; } = 256;

    /// <summary>Open files per process (RLIMIT_NOFILE). Default 1024.</summary>
    public long OpenFiles { get; init; } = 1024;
}
