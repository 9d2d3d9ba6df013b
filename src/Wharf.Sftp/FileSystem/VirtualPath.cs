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

        // One normalisation for the whole library: the protocol layer's.
        return Protocol.SftpPath.Normalize(path, baseDirectory);
    }
}
