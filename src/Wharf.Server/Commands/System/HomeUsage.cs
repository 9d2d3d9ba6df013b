using Wharf.Sftp;
using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Commands.System;

/// <summary>What a home holds, walked through the confined file system without following any link.</summary>
internal static class HomeUsage
{
    /// <summary>Bytes and number of regular files (symlinks and directories count nothing).</summary>
    internal static async Task<(long Size, long Files)> MeasureAsync(IFileSystem fs, CancellationToken ct)
    {
        long size = 0, files = 0;
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
                while (await listing.ReadAsync(1024, ct).ConfigureAwait(false) is { } entries)
                {
                    foreach (var e in entries)
                    {
                        if (e.Name is "." or "..")
                        {
                            continue;
                        }

                        if (e.Attributes.IsDirectory)
                        {
                            pending.Push(dir == "/" ? "/" + e.Name : dir + "/" + e.Name);
                        }
                        else if (e.Attributes.IsRegularFile)
                        {
                            size += (long)(e.Attributes.Size ?? 0);
                            files++;
                        }
                    }
                }
            }
        }

        return (size, files);
    }
}
