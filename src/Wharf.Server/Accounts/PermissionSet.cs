using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Accounts;

/// <summary>
/// Permissions per virtual directory. The most specific configured directory that contains a
/// path decides for it; "/" is the default. Built once, read concurrently.
/// </summary>
public sealed class PermissionSet
{
    private readonly KeyValuePair<string, HashSet<string>>[] _byDepth;

    /// <summary>Creates the set; throws <see cref="ArgumentException"/> naming an unknown permission.</summary>
    public PermissionSet(IReadOnlyDictionary<string, IReadOnlyCollection<string>> permissions)
    {
        var list = new List<KeyValuePair<string, HashSet<string>>>();
        foreach (var (dir, perms) in permissions)
        {
            foreach (var p in perms)
            {
                if (!Permission.IsKnown(p))
                {
                    throw new ArgumentException($"unknown permission '{p}' for '{dir}'", nameof(permissions));
                }
            }

            list.Add(new(VirtualPath.Normalize(dir), perms.Contains(Permission.All) ? [.. Permission.Names] : [.. perms]));
        }

        if (!list.Any(kv => kv.Key == "/"))
        {
            list.Add(new("/", []));
        }

        // Deepest first, so the first directory that contains a path is the most specific one.
        _byDepth = [.. list.OrderByDescending(kv => kv.Key.Length)];
        IsUniform = _byDepth.All(kv => kv.Value.SetEquals(_byDepth[0].Value));
    }

    /// <summary>
    /// True when every configured directory grants the same permissions, so where inside the home an
    /// operation lands cannot change the verdict (and symlinks, hard links and directory renames
    /// cannot move a file to other rules).
    /// </summary>
    public bool IsUniform { get; }

    /// <summary>
    /// The configured directories, other than <c>/</c>, that are <paramref name="directory"/> itself
    /// or lie below it: the points inside that tree where the rules change.
    /// </summary>
    public IEnumerable<string> ConfiguredAtOrBelow(string directory)
    {
        foreach (var (dir, _) in _byDepth)
        {
            if (dir != "/" && (dir == directory || directory == "/" || dir.StartsWith(directory + "/", StringComparison.Ordinal)))
            {
                yield return dir;
            }
        }
    }

    /// <summary>
    /// The first permission granted in <paramref name="directory"/> that <paramref name="other"/> does
    /// not grant, or null when <paramref name="other"/> grants everything <paramref name="directory"/> does.
    /// </summary>
    public string? FirstNotGrantedIn(string directory, string other)
    {
        foreach (var p in Permission.Names)
        {
            if (Has(directory, p) && !Has(other, p))
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>The same permissions everywhere.</summary>
    public static PermissionSet Global(IEnumerable<string> permissions) =>
        new(new Dictionary<string, IReadOnlyCollection<string>> { ["/"] = [.. permissions] });

    /// <summary>Parses a comma-separated list ("list,download" or "*").</summary>
    public static PermissionSet ParseGlobal(string commaSeparated) =>
        Global(commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>True when <paramref name="permission"/> is granted in <paramref name="directory"/> (a normalised virtual directory).</summary>
    public bool Has(string directory, string permission)
    {
        foreach (var (dir, perms) in _byDepth)
        {
            if (dir == "/" || directory == dir || directory.StartsWith(dir + "/", StringComparison.Ordinal))
            {
                return perms.Contains(permission);
            }
        }

        return false;
    }

    /// <summary>
    /// True when every permission is granted in every directory: nothing a program could do in the home
    /// is then beyond the user's rights (the condition for running rsync and git).
    /// </summary>
    public bool IsFullEverywhere => IsUniform && Permission.Names.All(_byDepth[0].Value.Contains);
}
