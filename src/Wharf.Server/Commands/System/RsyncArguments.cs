using Wharf.Server.Accounts;

namespace Wharf.Server.Commands.System;

/// <summary>Checks an rsync server command line and rewrites its paths onto the user's home.</summary>
internal static class RsyncArguments
{
    /// <summary>Long options that take a value (as "--opt=value" or "--opt value").</summary>
    private static readonly HashSet<string> WithValue = new(StringComparer.Ordinal)
    {
        "--temp-dir", "--backup-dir", "--compare-dest", "--copy-dest", "--link-dest", "--partial-dir",
        "--files-from", "--include-from", "--exclude-from", "--suffix", "--block-size", "--max-size", "--min-size",
        "--max-delete", "--timeout", "--contimeout", "--bwlimit", "--chmod", "--compress-level", "--compress-choice",
        "--zc", "--zl", "--checksum-choice", "--cc", "--checksum-seed", "--filter", "--exclude", "--include",
        "--log-format", "--out-format", "--modify-window", "--usermap", "--groupmap", "--chown", "--iconv",
        "--skip-compress", "--outbuf", "--info", "--debug", "--stderr", "--max-alloc", "--rsh", "--rsync-path",
        "--config", "--log-file", "--log-file-format", "--remote-option", "--password-file", "--sockopts", "--port",
        "--address", "--write-batch", "--only-write-batch", "--read-batch", "--copy-as", "--dparam", "--early-input",
    };

    /// <summary>Options refused outright: they run programs, touch files outside the home, or let rsync follow links out of it.</summary>
    private static readonly HashSet<string> Refused = new(StringComparer.Ordinal)
    {
        "--rsh", "--rsync-path", "--config", "--daemon", "--write-devices", "--copy-devices", "--remote-option",
        "--log-file", "--log-file-format", "--write-batch", "--only-write-batch", "--read-batch", "--copy-as",
        "--password-file", "--early-input", "--dparam", "--protect-args", "--secluded-args",
        "--copy-links", "--copy-unsafe-links", "--copy-dirlinks", "--keep-dirlinks",
        "--no-safe-links", "--no-munge-links", "--no-fake-super",
    };

    /// <summary>Options whose value is a directory that must stay in the home.</summary>
    private static readonly HashSet<string> DirectoryValue = new(StringComparer.Ordinal)
    {
        "--temp-dir", "--backup-dir", "--compare-dest", "--copy-dest", "--link-dest", "--partial-dir",
    };

    /// <summary>Options whose value is a file read by the server: only "-" (the client sends the list) is allowed.</summary>
    private static readonly HashSet<string> ListFromValue = new(StringComparer.Ordinal)
    {
        "--files-from", "--include-from", "--exclude-from",
    };

    /// <summary>Short options that take a value (the rest of the cluster, or the next argument).</summary>
    private const string ShortWithValue = "eBfMT@";

    /// <summary>Short options refused: -L/-k/-K follow links, -s sends the paths where we cannot check them, -M runs remote options.</summary>
    private const string ShortRefused = "LkKsM";

    /// <summary>The checked command: the argv to run (paths as the sandbox sees them), whether it sends to the client, and the virtual paths.</summary>
    internal sealed record Plan(List<string> Arguments, bool Sender, List<string> VirtualPaths);

    /// <summary>
    /// Validates <paramref name="args"/> (starting with "rsync"). Returns null with a message when refused.
    /// </summary>
    internal static Plan? Check(IReadOnlyList<string> args, string home, PermissionSet permissions, out string error)
    {
        error = "";
        if (args.Count < 2 || args[0] != "rsync" || args[1] != "--server")
        {
            error = "only rsync in server mode (rsync --server …) is allowed";
            return null;
        }

        var output = new List<string> { "rsync", "--server" };
        var paths = new List<string>();
        bool sender = false, sawDot = false, endOfOptions = false;
        for (int i = 2; i < args.Count; i++)
        {
            string a = args[i];
            if (endOfOptions || !a.StartsWith('-') || a == "-")
            {
                if (!sawDot)
                {
                    if (a != ".")
                    {
                        error = $"unexpected argument '{a}' before the '.' separator";
                        return null;
                    }

                    sawDot = true;
                    output.Add(a);
                    continue;
                }

                var resolved = HomePaths.Resolve(home, a, out var pathError);
                if (resolved is null)
                {
                    error = pathError;
                    return null;
                }

                paths.Add(resolved.Value.Virtual);
                output.Add(resolved.Value.Inside);
                continue;
            }

            if (a == "--")
            {
                endOfOptions = true;
                output.Add(a);
                continue;
            }

            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                int eq = a.IndexOf('=', StringComparison.Ordinal);
                string name = eq < 0 ? a : a[..eq];
                string? value = eq < 0 ? null : a[(eq + 1)..];
                if (Refused.Contains(name))
                {
                    error = $"option {name} is not allowed";
                    return null;
                }

                if (name == "--server")
                {
                    continue;
                }

                if (name == "--sender")
                {
                    sender = true;
                }

                if (WithValue.Contains(name) && value is null)
                {
                    if (i + 1 >= args.Count)
                    {
                        error = $"option {name} needs a value";
                        return null;
                    }

                    value = args[++i];
                }

                if (value is not null && !CheckValue(name, ref value, home, out error))
                {
                    return null;
                }

                output.Add(value is null ? name : name + "=" + value);
                continue;
            }

            // A cluster of short options; a value-taking letter swallows the rest (or the next argument).
            for (int j = 1; j < a.Length; j++)
            {
                char c = a[j];
                if (ShortRefused.Contains(c, StringComparison.Ordinal))
                {
                    error = $"option -{c} is not allowed";
                    return null;
                }

                if (!ShortWithValue.Contains(c, StringComparison.Ordinal))
                {
                    continue;
                }

                string value;
                if (j + 1 < a.Length)
                {
                    value = a[(j + 1)..];
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                    a += " " + value;
                }
                else
                {
                    error = $"option -{c} needs a value";
                    return null;
                }

                // In server mode -e carries the client's capability flags (".iLsfxC"), never a shell.
                if (c == 'e' && !value.StartsWith('.'))
                {
                    error = "option -e (remote shell) is not allowed";
                    return null;
                }

                if (c == 'T')
                {
                    string v = value;
                    if (!CheckValue("--temp-dir", ref v, home, out error))
                    {
                        return null;
                    }

                    a = a[..j] + "T" + v;
                }

                break;
            }

            if (a.Contains(' ', StringComparison.Ordinal))
            {
                // The value came from the next argument: keep the two apart again.
                var cut = a.IndexOf(' ', StringComparison.Ordinal);
                output.Add(a[..cut]);
                output.Add(a[(cut + 1)..]);
            }
            else
            {
                output.Add(a);
            }
        }

        if (!sawDot || paths.Count == 0)
        {
            error = "missing path arguments";
            return null;
        }

        AddLinkOption(output, paths.All(p => permissions.Has(p, Permission.CreateSymlinks)));
        return new Plan(output, sender, paths);
    }

    /// <summary>
    /// SFTPGo's rule: --safe-links when the user may create symlinks (no link pointing out of the
    /// transfer is created), otherwise --munge-links (links are made unusable); unless already given.
    /// </summary>
    internal static void AddLinkOption(List<string> arguments, bool maySymlink)
    {
        string option = maySymlink ? "--safe-links" : "--munge-links";
        if (!arguments.Contains(option))
        {
            arguments.Insert(Math.Min(2, arguments.Count), option);
        }
    }

    private static bool CheckValue(string name, ref string value, string home, out string error)
    {
        error = "";
        if (ListFromValue.Contains(name))
        {
            if (value != "-")
            {
                error = $"option {name} is only allowed with '-'";
                return false;
            }

            return true;
        }

        if (DirectoryValue.Contains(name))
        {
            // rsync reads relative basis/partial directories against the destination, so a relative
            // value is checked lexically against the home as well: no ".." past it.
            var resolved = HomePaths.Resolve(home, value, out var pathError);
            if (resolved is null || (!value.StartsWith('/') && value.Split('/').Contains("..")))
            {
                error = $"option {name}: {(resolved is null ? pathError : "'..' is not allowed")}";
                return false;
            }

            if (value.StartsWith('/'))
            {
                value = resolved.Value.Inside;
            }
        }

        return true;
    }
}
