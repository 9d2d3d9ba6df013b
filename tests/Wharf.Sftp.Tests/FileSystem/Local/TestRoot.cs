using System.Security.Cryptography;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Sftp.Tests.FileSystem.Local;

/// <summary>
/// A private temporary tree per test: <c>root</c> (served), <c>outside</c> (must never change),
/// <c>root2</c> (a sibling sharing the root's name as a prefix). Deleted on dispose.
/// </summary>
internal sealed class TestRoot : IDisposable
{
    public TestRoot()
    {
        Base = Path.Combine(Path.GetTempPath(), "wharf-fs-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        Root = Path.Combine(Base, "root");
        Outside = Path.Combine(Base, "outside");
        Root2 = Path.Combine(Base, "root2");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(Path.Combine(Outside, "sub"));
        Directory.CreateDirectory(Root2);
        File.WriteAllText(Path.Combine(Outside, "secret"), "outside secret");
        File.WriteAllText(Path.Combine(Root2, "file"), "root2 file");
    }

    public string Base { get; }

    public string Root { get; }

    public string Outside { get; }

    public string Root2 { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public LocalFileSystem Create(bool walk = false, UploadMode uploadMode = UploadMode.Standard, uint umask = 0x12,
        SetStatMode setStatMode = SetStatMode.Normal, uint? uid = null, uint? gid = null) =>
        new(new LocalFileSystemOptions
        {
            RootDirectory = Root,
            UploadMode = uploadMode,
            Umask = umask,
            SetStatMode = setStatMode,
            Uid = uid,
            Gid = gid,
            DisableOpenat2 = walk,
        });

    public string InRoot(string relative) => Path.Combine(Root, relative.TrimStart('/'));

    /// <summary>Everything outside the root (names, types, sizes, contents, modes), to compare before and after.</summary>
    public string SnapshotOutside()
    {
        var lines = new List<string>();
        foreach (var top in new[] { Outside, Root2 })
        {
            Add(top);
            foreach (var path in Directory.EnumerateFileSystemEntries(top, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                Add(path);
            }
        }

        // Nothing new next to root/outside/root2 either.
        lines.AddRange(Directory.EnumerateFileSystemEntries(Base).Order(StringComparer.Ordinal));
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);

        void Add(string path)
        {
            var info = new FileInfo(path);
            string content = info.Exists && info.LinkTarget is null ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "";
            lines.Add($"{path} {info.Attributes} {(info.Exists ? info.Length : 0)} {File.GetUnixFileMode(path)} {info.LinkTarget} {content} {info.LastWriteTimeUtc.Ticks}");
        }
    }

    public static async Task<SftpException> Fails(Func<Task> action)
    {
        return await Assert.ThrowsAsync<SftpException>(action);
    }

    public static async Task WriteFile(IFileSystem fs, string path, string content, SftpOpenFlags flags = SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate)
    {
        var file = await fs.OpenFileAsync(path, flags, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            await file.WriteAsync(0, System.Text.Encoding.UTF8.GetBytes(content), Ct);
            await file.CloseAsync(Ct);
        }
    }

    public static async Task<string> ReadFile(IFileSystem fs, string path)
    {
        var file = await fs.OpenFileAsync(path, SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            var buffer = new byte[1 << 16];
            int total = 0, n;
            while ((n = await file.ReadAsync(total, buffer.AsMemory(total), Ct)) > 0)
            {
                total += n;
            }

            await file.CloseAsync(Ct);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
        }
    }

    public static async Task<List<SftpDirectoryEntry>> List(IFileSystem fs, string path, int batch = 100)
    {
        var result = new List<SftpDirectoryEntry>();
        var dir = await fs.OpenDirectoryAsync(path, Ct);
        await using (dir)
        {
            while (await dir.ReadAsync(batch, Ct) is { } entries)
            {
                Assert.InRange(entries.Count, 1, batch);
                result.AddRange(entries);
            }
        }

        return result;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
