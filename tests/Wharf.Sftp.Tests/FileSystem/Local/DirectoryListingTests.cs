using Wharf.Sftp.FileSystem;
using static Wharf.Sftp.Tests.FileSystem.Local.TestRoot;

namespace Wharf.Sftp.Tests.FileSystem.Local;

public sealed class DirectoryListingTests : IDisposable
{
    private readonly TestRoot _t = new();

    public void Dispose() => _t.Dispose();

    [Theory, InlineData(false), InlineData(true)]
    public async Task ListingHasDotsFirstAndLstatAttributes(bool walk)
    {
        using var fs = _t.Create(walk);
        Directory.CreateDirectory(_t.InRoot("d/sub"));
        File.WriteAllText(_t.InRoot("d/f"), "12345");
        File.CreateSymbolicLink(_t.InRoot("d/l"), "f");
        File.WriteAllText(_t.InRoot("d/.wharf-upload-0123.tmp"), "temp");
        var entries = await List(fs, "/d", batch: 2);
        Assert.Equal([".", "..", "f", "l", "sub"], entries.Select(e => e.Name).Take(2).Concat(entries.Skip(2).Select(e => e.Name).Order(StringComparer.Ordinal)));
        Assert.True(entries[0].Attributes.IsDirectory);
        Assert.True(entries[1].Attributes.IsDirectory);
        Assert.Equal(5UL, entries.Single(e => e.Name == "f").Attributes.Size);
        Assert.True(entries.Single(e => e.Name == "l").Attributes.IsSymbolicLink);
        Assert.True(entries.Single(e => e.Name == "sub").Attributes.IsDirectory);
    }

    [Fact]
    public async Task RootParentIsReportedAsTheRootItself()
    {
        using var fs = _t.Create();
        File.SetUnixFileMode(_t.Root, (UnixFileMode)0x1C0);
        var entries = await List(fs, "/");
        Assert.Equal(entries[0].Attributes.Permissions, entries[1].Attributes.Permissions);
        Assert.Equal(0x41C0u, entries[1].Attributes.Permissions);
    }

    [Fact]
    public async Task ListingOfAFileOrMissingDirectoryFails()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("f"), "f");
        Assert.Equal(SftpStatusCode.NotADirectory, (await Fails(() => fs.OpenDirectoryAsync("/f", Ct).AsTask())).Code);
        Assert.Equal(SftpStatusCode.NoSuchFile, (await Fails(() => fs.OpenDirectoryAsync("/none", Ct).AsTask())).Code);
    }

    [Fact]
    public async Task TenThousandEntriesAreAllListed()
    {
        using var fs = _t.Create();
        var dir = _t.InRoot("many");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 10_000; i++)
        {
            File.Create(Path.Combine(dir, $"file-{i:D5}-with-a-longer-name")).Dispose();
        }

        var entries = await List(fs, "/many", batch: 500);
        Assert.Equal(10_002, entries.Count);
        var names = entries.Skip(2).Select(e => e.Name).ToHashSet();
        Assert.Equal(10_000, names.Count);
        Assert.Contains("file-09999-with-a-longer-name", names);
        Assert.All(entries.Skip(2), e => Assert.True(e.Attributes.IsRegularFile));
    }
}
