using Wharf.Server.Commands.System;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Server.Tests.SystemCommandChecks;

/// <summary>What an rsync upload that ended over the quota takes back: only the files it could have made.</summary>
public sealed class NewFilesTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "wharf-newfiles-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_home, true);

    [Fact]
    public async Task OnlyFilesCreatedUnderTheDestinationAreRemoved()
    {
        Directory.CreateDirectory(Path.Combine(_home, "dest"));
        await File.WriteAllTextAsync(Path.Combine(_home, "dest", "old.txt"), "before");
        using var fs = new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _home });
        var before = await NewFiles.ListAsync(fs, default);

        // During the transfer: rsync's new files and a rewritten one under dest/, and another session's
        // upload elsewhere in the home, plus a new symlink (not a regular file).
        Directory.CreateDirectory(Path.Combine(_home, "dest", "sub"));
        await File.WriteAllTextAsync(Path.Combine(_home, "dest", "new.txt"), "rsync");
        await File.WriteAllTextAsync(Path.Combine(_home, "dest", "sub", "deep.txt"), "rsync");
        await File.WriteAllTextAsync(Path.Combine(_home, "dest", "old.txt"), "rewritten");
        await File.WriteAllTextAsync(Path.Combine(_home, "elsewhere.txt"), "another session");
        await File.WriteAllTextAsync(Path.Combine(_home, "destination.txt"), "a sibling whose name starts alike");
        File.CreateSymbolicLink(Path.Combine(_home, "dest", "link"), "old.txt");

        Assert.Equal(2, await NewFiles.RemoveCreatedAsync(fs, before, "/dest", default));
        Assert.False(File.Exists(Path.Combine(_home, "dest", "new.txt")));
        Assert.False(File.Exists(Path.Combine(_home, "dest", "sub", "deep.txt")));
        Assert.Equal("rewritten", await File.ReadAllTextAsync(Path.Combine(_home, "dest", "old.txt")));
        Assert.True(File.Exists(Path.Combine(_home, "elsewhere.txt")));
        Assert.True(File.Exists(Path.Combine(_home, "destination.txt")));
        Assert.NotNull(new FileInfo(Path.Combine(_home, "dest", "link")).LinkTarget);
    }

    [Fact]
    public async Task ASingleFileDestinationIsItsOwnScope()
    {
        using var fs = new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _home });
        var before = await NewFiles.ListAsync(fs, default);
        await File.WriteAllTextAsync(Path.Combine(_home, "x.bin"), "rsync");
        await File.WriteAllTextAsync(Path.Combine(_home, "x.bin2"), "not rsync's");
        Assert.Equal(1, await NewFiles.RemoveCreatedAsync(fs, before, "/x.bin", default));
        Assert.True(File.Exists(Path.Combine(_home, "x.bin2")));
    }
}
