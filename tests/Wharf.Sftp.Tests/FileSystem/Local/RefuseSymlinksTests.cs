using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Sftp.Tests.FileSystem.Local;

/// <summary>
/// <see cref="LocalFileSystemOptions.RefuseSymlinksInPaths"/>: behind a wrapper that judged the canonical
/// path, a directory swapped for a symlink afterwards must fail the operation, not redirect it.
/// </summary>
public sealed class RefuseSymlinksTests : IDisposable
{
    private readonly TestRoot _t = new();

    public void Dispose() => _t.Dispose();

    private LocalFileSystem Create(bool walk) => new(new LocalFileSystemOptions
    {
        RootDirectory = _t.Root,
        RefuseSymlinksInPaths = true,
        DisableOpenat2 = walk,
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASymlinkedDirectoryInThePathFailsTheOperationAndTouchesNothing(bool walk)
    {
        // "/rw" was checked as a directory; it has since become a link to "/ro".
        Directory.CreateDirectory(_t.InRoot("ro"));
        await File.WriteAllTextAsync(_t.InRoot("ro/file.txt"), "read-only");
        File.CreateSymbolicLink(_t.InRoot("rw"), "ro");
        using var fs = Create(walk);

        var write = await Assert.ThrowsAsync<SftpException>(async () =>
            await (await fs.OpenFileAsync("/rw/file.txt", SftpOpenFlags.Write | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, default)).DisposeAsync());
        Assert.Equal(SftpStatusCode.LinkLoop, write.Code);
        await Assert.ThrowsAsync<SftpException>(async () => await fs.RemoveFileAsync("/rw/file.txt", default));
        await Assert.ThrowsAsync<SftpException>(async () => await fs.CreateDirectoryAsync("/rw/new", SftpFileAttributes.Empty, default));
        await Assert.ThrowsAsync<SftpException>(async () => await fs.RenameAsync("/rw/file.txt", "/stolen.txt", false, default));
        await Assert.ThrowsAsync<SftpException>(async () => await fs.GetAttributesAsync("/rw", true, default));
        Assert.Equal("read-only", await File.ReadAllTextAsync(_t.InRoot("ro/file.txt")));
        Assert.False(Directory.Exists(_t.InRoot("ro/new")));
        Assert.False(File.Exists(_t.InRoot("stolen.txt")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheLinkItselfAndTheCanonicalPathStillWork(bool walk)
    {
        Directory.CreateDirectory(_t.InRoot("ro"));
        File.CreateSymbolicLink(_t.InRoot("rw"), "ro");
        using var fs = Create(walk);
        Assert.Equal("/ro/x", await fs.GetCanonicalPathAsync("/rw/x", default));
        Assert.True((await fs.GetAttributesAsync("/rw", false, default)).IsSymbolicLink);
        Assert.Equal("ro", await fs.ReadLinkAsync("/rw", default));
        await fs.CreateSymbolicLinkAsync("/other", "ro", default);
        await fs.RenameAsync("/other", "/other2", false, default);
        await fs.RemoveFileAsync("/other2", default);
        await (await fs.OpenFileAsync("/ro/f", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, default)).DisposeAsync();
        Assert.True(File.Exists(_t.InRoot("ro/f")));
    }
}
