namespace Wharf.Sftp.FileSystem.Local;

/// <summary>Lexical work on virtual paths: splitting, normalising, and relative symlink targets.</summary>
internal static class LocalPath
{
    /// <summary>
    /// The components of <paramref name="path"/>, with empty and <c>.</c> components dropped.
    /// <c>..</c> is kept: the protocol layer should have removed it, and if it did not, the
    /// resolver walks it physically and refuses to climb above the root.
    /// </summary>
    public static List<string> Split(string path, string operation)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new SftpException(SftpStatusCode.InvalidFilename, $"{operation}: path contains a NUL character");
        }

        var result = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length != 0 && part != ".")
            {
                result.Add(part);
            }
        }

        return result;
    }

    /// <summary>Joins components into a virtual path.</summary>
    public static string Join(IEnumerable<string> components)
    {
        var s = string.Join('/', components);
        return "/" + s;
    }

    /// <summary>Lexically normalises <paramref name="path"/> (absolute); null when <c>..</c> climbs above the root.</summary>
    public static List<string>? Normalize(string path)
    {
        var stack = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (stack.Count == 0)
                {
                    return null;
                }

                stack.RemoveAt(stack.Count - 1);
            }
            else
            {
                stack.Add(part);
            }
        }

        return stack;
    }

    /// <summary>The relative path leading from directory <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static string Relative(IReadOnlyList<string> from, IReadOnlyList<string> to)
    {
        int common = 0;
        while (common < from.Count && common < to.Count && from[common] == to[common])
        {
            common++;
        }

        var parts = new List<string>();
        for (int i = common; i < from.Count; i++)
        {
            parts.Add("..");
        }

        for (int i = common; i < to.Count; i++)
        {
            parts.Add(to[i]);
        }

        return parts.Count == 0 ? "." : string.Join('/', parts);
    }
}
