namespace Wharf.Server.Cli;

/// <summary>
/// The environment variables behind command-line flags: <c>WHARF_NAME</c>, or SFTPGo's
/// <c>SFTPGO_NAME</c> for users who set those. When both are set the WHARF_ one is used and a
/// warning is kept for the log.
/// </summary>
internal static class FlagEnvironment
{
    private static readonly List<string> s_warnings = [];

    /// <summary>Warnings about variables set under both prefixes, since start.</summary>
    public static IReadOnlyList<string> Warnings
    {
        get
        {
            lock (s_warnings)
            {
                return [.. s_warnings];
            }
        }
    }

    /// <summary>The value of <paramref name="name"/> (which starts with WHARF_) or of its SFTPGO_ twin; null when neither is set.</summary>
    public static string? Get(string name, Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        const string Ours = "WHARF_";
        if (!name.StartsWith(Ours, StringComparison.Ordinal))
        {
            throw new ArgumentException("flag variables start with WHARF_", nameof(name));
        }

        var twin = "SFTPGO_" + name[Ours.Length..];
        var ours = lookup(name);
        var theirs = lookup(twin);
        if (ours is { Length: > 0 } && theirs is { Length: > 0 } && ours != theirs)
        {
            lock (s_warnings)
            {
                var warning = $"{name} and {twin} are both set: {name} is used";
                if (!s_warnings.Contains(warning))
                {
                    s_warnings.Add(warning);
                }
            }
        }

        return ours is { Length: > 0 } ? ours : theirs is { Length: > 0 } ? theirs : null;
    }
}
