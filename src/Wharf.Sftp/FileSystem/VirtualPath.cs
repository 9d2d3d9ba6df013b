namespace Wharf.Sftp.FileSystem;

/// <summary>Lexical normalisation of virtual paths: the one form every <see cref="IFileSystem"/> receives.</summary>
public static class VirtualPath
{
    /// <summary>
    /// Makes <paramref name="path"/> absolute (relative to <paramref name="baseDirectory"/>),
    /// removes empty and <c>.</c> components and applies <c>..</c> without ever going above
    /// <c>/</c>. Throws <see cref="SftpException"/> for a path containing NUL.
    /// </summary>
    public static string Normalize(string path, string baseDirectory = "/")
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new SftpException(SftpStatusCode.NoSuchFile, "path contains a NUL character");
        }

        var full = path.StartsWith('/') ? path : baseDirectory.TrimEnd('/') + "/" + path;
        var parts = new List<string>();
        foreach (var part in full.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }
}
