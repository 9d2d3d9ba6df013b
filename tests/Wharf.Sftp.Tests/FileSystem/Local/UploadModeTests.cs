using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;
using static Wharf.Sftp.Tests.FileSystem.Local.TestRoot;

namespace Wharf.Sftp.Tests.FileSystem.Local;

public sealed class UploadModeTests : IDisposable
{
    private const SftpOpenFlags Upload = SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate;
    private readonly TestRoot _t = new();

    public void Dispose() => _t.Dispose();

    private string[] RootNames() => Directory.GetFileSystemEntries(_t.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory, InlineData(UploadMode.Atomic), InlineData(UploadMode.AtomicWithResume)]
    public async Task PartialUploadIsNeverVisibleAtTheTargetBeforeClose(UploadMode mode)
    {
        using var fs = _t.Create(uploadMode: mode);
        File.WriteAllText(_t.InRoot("target"), "old");
        var file = await fs.OpenFileAsync("/target", Upload, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            await file.WriteAsync(0, "new content"u8.ToArray(), Ct);
            Assert.Equal("old", File.ReadAllText(_t.InRoot("target")));
            await file.WriteAsync(11, "!"u8.ToArray(), Ct);

            // The temporary file exists on disk but not in listings.
            Assert.Equal(2, RootNames().Length);
            Assert.Equal([".", "..", "target"], (await List(fs, "/")).Select(e => e.Name));
            await file.CloseAsync(Ct);
        }

        Assert.Equal("new content!", File.ReadAllText(_t.InRoot("target")));
        Assert.Equal(["target"], RootNames());
    }

    [Theory, InlineData(UploadMode.Atomic), InlineData(UploadMode.AtomicWithResume)]
    public async Task NewFileAppearsOnlyOnClose(UploadMode mode)
    {
        using var fs = _t.Create(uploadMode: mode);
        var file = await fs.OpenFileAsync("/new", Upload, new SftpFileAttributes { Permissions = 0x1A0 }, Ct);
        await file.WriteAsync(0, "data"u8.ToArray(), Ct);
        Assert.Equal(SftpStatusCode.NoSuchFile, (await Fails(() => fs.GetAttributesAsync("/new", true, Ct).AsTask())).Code);
        await file.CloseAsync(Ct);
        await file.DisposeAsync();
        Assert.Equal("data", File.ReadAllText(_t.InRoot("new")));
        Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(_t.InRoot("new")));
    }

    [Fact]
    public async Task AtomicDisposeWithoutCloseDropsTheUpload()
    {
        using var fs = _t.Create(uploadMode: UploadMode.Atomic);
        File.WriteAllText(_t.InRoot("target"), "old");
        var file = await fs.OpenFileAsync("/target", Upload, SftpFileAttributes.Empty, Ct);
        await file.WriteAsync(0, "partial"u8.ToArray(), Ct);
        await file.DisposeAsync();
        Assert.Equal("old", File.ReadAllText(_t.InRoot("target")));
        Assert.Equal(["target"], RootNames());

        var fresh = await fs.OpenFileAsync("/fresh", Upload, SftpFileAttributes.Empty, Ct);
        await fresh.WriteAsync(0, "partial"u8.ToArray(), Ct);
        await fresh.DisposeAsync();
        Assert.Equal(["target"], RootNames());
    }

    [Fact]
    public async Task ResumeModeDisposeWithoutCloseKeepsThePartialData()
    {
        using var fs = _t.Create(uploadMode: UploadMode.AtomicWithResume);
        File.WriteAllText(_t.InRoot("target"), "old");
        var file = await fs.OpenFileAsync("/target", Upload, SftpFileAttributes.Empty, Ct);
        await file.WriteAsync(0, "part"u8.ToArray(), Ct);
        await file.DisposeAsync();
        Assert.Equal("part", File.ReadAllText(_t.InRoot("target")));
        Assert.Equal(["target"], RootNames());
    }

    [Theory, InlineData(UploadMode.Atomic), InlineData(UploadMode.AtomicWithResume)]
    public async Task ResumeContinuesFromACopyOfTheExistingFile(UploadMode mode)
    {
        using var fs = _t.Create(uploadMode: mode);
        File.WriteAllText(_t.InRoot("big"), "abc");
        File.SetUnixFileMode(_t.InRoot("big"), (UnixFileMode)0x180);
        var file = await fs.OpenFileAsync("/big", SftpOpenFlags.Write, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            await file.WriteAsync(3, "def"u8.ToArray(), Ct);
            Assert.Equal("abc", File.ReadAllText(_t.InRoot("big")));
            await file.CloseAsync(Ct);
        }

        Assert.Equal("abcdef", File.ReadAllText(_t.InRoot("big")));
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(_t.InRoot("big")));

        var append = await fs.OpenFileAsync("/big", SftpOpenFlags.Write | SftpOpenFlags.Append, SftpFileAttributes.Empty, Ct);
        await using (append)
        {
            await append.WriteAsync(0, "ghi"u8.ToArray(), Ct);
            await append.CloseAsync(Ct);
        }

        Assert.Equal("abcdefghi", File.ReadAllText(_t.InRoot("big")));
    }

    [Fact]
    public async Task ExclusiveAtomicUploadDoesNotReplaceAFileCreatedMeanwhile()
    {
        using var fs = _t.Create(uploadMode: UploadMode.Atomic);
        var file = await fs.OpenFileAsync("/x", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Exclusive, SftpFileAttributes.Empty, Ct);
        await file.WriteAsync(0, "mine"u8.ToArray(), Ct);
        File.WriteAllText(_t.InRoot("x"), "theirs");
        Assert.Equal(SftpStatusCode.FileAlreadyExists, (await Fails(() => file.CloseAsync(Ct).AsTask())).Code);
        await file.DisposeAsync();
        Assert.Equal("theirs", File.ReadAllText(_t.InRoot("x")));
        Assert.Equal(["x"], RootNames());
    }

    [Fact]
    public async Task StandardModeWritesDirectly()
    {
        using var fs = _t.Create(uploadMode: UploadMode.Standard);
        File.WriteAllText(_t.InRoot("target"), "old");
        var file = await fs.OpenFileAsync("/target", Upload, SftpFileAttributes.Empty, Ct);
        await file.WriteAsync(0, "partial"u8.ToArray(), Ct);
        Assert.Equal("partial", File.ReadAllText(_t.InRoot("target")));
        await file.DisposeAsync();
        Assert.Equal("partial", File.ReadAllText(_t.InRoot("target")));
    }

    [Fact]
    public async Task ReadOnlyOpensInAtomicModeUseTheFileItself()
    {
        using var fs = _t.Create(uploadMode: UploadMode.Atomic);
        File.WriteAllText(_t.InRoot("r"), "read me");
        Assert.Equal("read me", await ReadFile(fs, "/r"));
        Assert.Equal(["r"], RootNames());
    }
}
