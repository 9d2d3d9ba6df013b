namespace Wharf.Server.Commands.Scp;

/// <summary>
/// The remote end's command line as OpenSSH's scp client sends it: <c>scp [-v] [-r] [-p] [-d] -t|-f [--] path</c>.
/// </summary>
internal sealed record ScpArguments(bool Sink, bool Recursive, bool PreserveTimes, bool TargetIsDirectory, string Path)
{
    /// <summary>The arguments after "scp", or an error message.</summary>
    public static (ScpArguments? Arguments, string? Error) Parse(IReadOnlyList<string> args)
    {
        bool to = false, from = false, recursive = false, preserve = false, directory = false;
        var paths = new List<string>();
        bool options = true;
        foreach (var arg in args)
        {
            if (options && arg == "--")
            {
                options = false;
                continue;
            }

            if (options && arg.Length > 1 && arg[0] == '-')
            {
                // getopt style: flags may be combined ("-rpt").
                foreach (char c in arg.AsSpan(1))
                {
                    switch (c)
                    {
                        case 't': to = true; break;
                        case 'f': from = true; break;
                        case 'r': recursive = true; break;
                        case 'p': preserve = true; break;
                        case 'd': directory = true; break;
                        case 'v': break;
                        default: return (null, $"unsupported option -{c}");
                    }
                }

                continue;
            }

            paths.Add(arg);
        }

        if (to == from)
        {
            return (null, "exactly one of -t and -f is required");
        }

        if (paths.Count != 1)
        {
            return (null, paths.Count == 0 ? "a path is required" : "exactly one path is supported (wildcards are not expanded)");
        }

        return (new ScpArguments(to, recursive, preserve, directory, paths[0]), null);
    }
}
