using Wharf.Sftp;
using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Commands.System;

/// <summary>
/// The regular files of a home by path, walked through the confined file system without following
/// links: taken before an rsync upload, so that one that ends over the quota can take back the files
/// it created (a program's writes cannot be refused one by one the way SFTP's are).
/// </summary>
internal static class NewFiles
{
    /// <summary>Every regular file's path.</summary>
    internal static async Task<HashSet<string>> ListAsync(IFileSystem fs, CancellationToken ct)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push("/");
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            ISftpDirectory listing;
            try
            {
                listing = await fs.OpenDirectoryAsync(dir, ct).ConfigureAwait(false);
            }
            catch (SftpException)
            {
                continue; // removed or replaced meanwhile
            }

            await using (listing.ConfigureAwait(false))
            {
                while (true)
                {
                    IReadOnlyList<SftpDirectoryEntry>? entries;
                    try
                    {
                        entries = await listing.ReadAsync(1024, ct).ConfigureAwait(false);
                    }
                    catch (SftpException)
                    {
                        break; // the directory went away under the listing
                    }

                    if (entries is null)
                    {
                        break;
                    }

                    foreach (var e in entries)
                    {
                        if (e.Name is "." or "..")
                        {
                            continue;
                        }

                        string path = dir == "/" ? "/" + e.Name : dir + "/" + e.Name;
                        if (e.Attributes.IsDirectory)
                        {
                            pending.Push(path);
                        }
                        else if (e.Attributes.IsRegularFile)
                        {
                            files.Add(path);
                        }
                    }
                }
            }
        }

        return files;
    }

    /// <summary>
    /// Removes the regular files at or under <paramref name="under"/> (the program's destination) that
    /// are there now but were not in <paramref name="before"/>; returns how many. Files that existed
    /// before and were rewritten are kept: taking them back would lose what the user had. Files that
    /// appeared elsewhere in the home meanwhile (another session's uploads) are not the program's and stay.
    /// </summary>
    internal static async Task<int> RemoveCreatedAsync(IFileSystem fs, HashSet<string> before, string under, CancellationToken ct)
    {
        string prefix = under == "/" ? "/" : under.TrimEnd('/') + "/";
        int removed = 0;
        foreach (var path in await ListAsync(fs, ct).ConfigureAwait(false))
        {
            if (before.Contains(path) || !(path.StartsWith(prefix, StringComparison.Ordinal) || path == under.TrimEnd('/')))
            {
                continue;
            }

            try
            {
                await fs.RemoveFileAsync(path, ct).ConfigureAwait(false);
                removed++;
            }
            catch (SftpException)
            {
                // Gone already, or replaced by something else: nothing to take back.
            }
        }

        return removed;
    }
}
