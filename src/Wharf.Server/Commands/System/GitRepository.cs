using System.Text;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Commands.System;

/// <summary>Finds the repository a git command names, inside the home, the way git's enter_repo does — but only real directories.</summary>
internal static class GitRepository
{
    /// <summary>The repository directory (virtual path) and its config text, or an error for the client.</summary>
    internal readonly record struct Located(string? Path, string? Config, string? Error);

    /// <summary>
    /// Tries <c>p/.git</c>, <c>p</c>, <c>p.git/.git</c> and <c>p.git</c>. A <c>.git</c> that is a file (a gitfile,
    /// "gitdir: /elsewhere") is refused: it would send git to a repository outside what was checked.
    /// </summary>
    internal static async Task<Located> LocateAsync(IFileSystem fs, string path, CancellationToken ct)
    {
        string p = path == "/" ? "" : path.TrimEnd('/');
        foreach (var candidate in (p.Length == 0 ? ["/.git", "/"] : new[] { p + "/.git", p, p + ".git/.git", p + ".git" }))
        {
            SftpFileAttributes attrs;
            try
            {
                attrs = await fs.GetAttributesAsync(candidate, false, ct).ConfigureAwait(false);
            }
            catch (SftpException)
            {
                continue;
            }

            if (!attrs.IsDirectory)
            {
                if (candidate.EndsWith("/.git", StringComparison.Ordinal))
                {
                    return new Located(null, null, $"'{candidate}' is not a directory (gitfiles and symlinked repositories are not supported)");
                }

                continue;
            }

            if (!await IsGitDirectoryAsync(fs, candidate, ct).ConfigureAwait(false))
            {
                continue;
            }

            var config = await ReadConfigAsync(fs, candidate == "/" ? "/config" : candidate + "/config", ct).ConfigureAwait(false);
            return config is null
                ? new Located(null, null, $"'{candidate}/config' is missing, not a regular file or larger than {GitConfigFilter.MaxLength} bytes")
                : new Located(candidate, config, null);
        }

        return new Located(null, null, $"'{path}' does not appear to be a git repository");
    }

    private static async Task<bool> IsGitDirectoryAsync(IFileSystem fs, string dir, CancellationToken ct)
    {
        string Child(string n) => dir == "/" ? "/" + n : dir + "/" + n;
        try
        {
            var head = await fs.GetAttributesAsync(Child("HEAD"), false, ct).ConfigureAwait(false);
            var objects = await fs.GetAttributesAsync(Child("objects"), false, ct).ConfigureAwait(false);
            var refs = await fs.GetAttributesAsync(Child("refs"), false, ct).ConfigureAwait(false);
            return head.IsRegularFile && objects.IsDirectory && refs.IsDirectory;
        }
        catch (SftpException)
        {
            return false;
        }
    }

    private static async Task<string?> ReadConfigAsync(IFileSystem fs, string path, CancellationToken ct)
    {
        try
        {
            var attrs = await fs.GetAttributesAsync(path, false, ct).ConfigureAwait(false);
            if (!attrs.IsRegularFile || attrs.Size > GitConfigFilter.MaxLength)
            {
                return null;
            }

            await using var file = await fs.OpenFileAsync(path, SftpOpenFlags.Read, SftpFileAttributes.Empty, ct).ConfigureAwait(false);
            var buffer = new byte[GitConfigFilter.MaxLength + 1];
            int total = 0, n;
            while (total < buffer.Length && (n = await file.ReadAsync(total, buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0)
            {
                total += n;
            }

            return total > GitConfigFilter.MaxLength ? null : new UTF8Encoding(false, true).GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is SftpException or DecoderFallbackException)
        {
            return null;
        }
    }
}
