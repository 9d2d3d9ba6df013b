using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;
using static Wharf.Sftp.Tests.FileSystem.Local.TestRoot;

namespace Wharf.Sftp.Tests.FileSystem.Local;

public sealed class AttributeRuleTests : IDisposable
{
    private readonly TestRoot _t = new();

    public void Dispose() => _t.Dispose();

    private UnixFileMode Mode(string relative) => File.GetUnixFileMode(_t.InRoot(relative));

    [Theory]
    [InlineData(UploadMode.Standard)]
    [InlineData(UploadMode.Atomic)]
    public async Task UmaskAppliesToNewFilesAndDirectories(UploadMode mode)
    {
        using (var fs = _t.Create(uploadMode: mode))
        {
            await WriteFile(fs, "/f", "f");
            await fs.CreateDirectoryAsync("/d", SftpFileAttributes.Empty, Ct);
            Assert.Equal((UnixFileMode)0x1A4, Mode("f")); // 0644
            Assert.Equal((UnixFileMode)0x1ED, Mode("d")); // 0755
        }

        using (var fs = _t.Create(uploadMode: mode, umask: 0x3F)) // 077
        {
            await WriteFile(fs, "/f2", "f");
            await fs.CreateDirectoryAsync("/d2", SftpFileAttributes.Empty, Ct);
            Assert.Equal((UnixFileMode)0x180, Mode("f2"));
            Assert.Equal((UnixFileMode)0x1C0, Mode("d2"));
        }

        // The process umask (022 here) plays no part: umask 0 gives 0666/0777.
        using (var fs = _t.Create(uploadMode: mode, umask: 0))
        {
            await WriteFile(fs, "/f3", "f");
            await fs.CreateDirectoryAsync("/d3", SftpFileAttributes.Empty, Ct);
            Assert.Equal((UnixFileMode)0x1B6, Mode("f3"));
            Assert.Equal((UnixFileMode)0x1FF, Mode("d3"));
        }

        // Client permissions are masked too (and only the permission bits are taken).
        using (var fs = _t.Create(uploadMode: mode, umask: 0x2)) // 002
        {
            var file = await fs.OpenFileAsync("/f4", SftpOpenFlags.Write | SftpOpenFlags.Create, new SftpFileAttributes { Permissions = 0x89FF }, Ct);
            await file.CloseAsync(Ct);
            await file.DisposeAsync();
            await fs.CreateDirectoryAsync("/d4", new SftpFileAttributes { Permissions = 0x1FF }, Ct);
            Assert.Equal((UnixFileMode)0x1FD, Mode("f4"));
            Assert.Equal((UnixFileMode)0x1FD, Mode("d4"));
        }
    }

    [Fact]
    public async Task UmaskDoesNotApplyToSetstat()
    {
        using var fs = _t.Create(umask: 0x3F);
        File.WriteAllText(_t.InRoot("f"), "f");
        await fs.SetAttributesAsync("/f", new SftpFileAttributes { Permissions = 0x1B6 }, true, Ct);
        Assert.Equal((UnixFileMode)0x1B6, Mode("f"));
    }

    [Fact]
    public async Task SetstatIgnoreSkipsModeOwnerTimesButTruncates()
    {
        using var fs = _t.Create(setStatMode: SetStatMode.Ignore);
        File.WriteAllText(_t.InRoot("f"), "0123456789");
        File.SetUnixFileMode(_t.InRoot("f"), (UnixFileMode)0x1A4);
        var before = await fs.GetAttributesAsync("/f", true, Ct);
        await fs.SetAttributesAsync("/f", new SftpFileAttributes { Permissions = 0x1FF, Uid = 4242, Gid = 4242, AccessTime = 1, ModifyTime = 2 }, true, Ct);
        var after = await fs.GetAttributesAsync("/f", true, Ct);
        Assert.Equal(before.Permissions, after.Permissions);
        Assert.Equal(before.Uid, after.Uid);
        Assert.Equal(before.ModifyTime, after.ModifyTime);

        await fs.SetAttributesAsync("/f", new SftpFileAttributes { Size = 3, Permissions = 0x1FF }, true, Ct);
        Assert.Equal("012", File.ReadAllText(_t.InRoot("f")));
        Assert.Equal((UnixFileMode)0x1A4, Mode("f"));

        var file = await fs.OpenFileAsync("/f", SftpOpenFlags.Write, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            await file.SetAttributesAsync(new SftpFileAttributes { Size = 1, Permissions = 0x1FF, ModifyTime = 5 }, Ct);
            await file.CloseAsync(Ct);
        }

        Assert.Equal("0", File.ReadAllText(_t.InRoot("f")));
        Assert.Equal((UnixFileMode)0x1A4, Mode("f"));
        Assert.NotEqual(5u, (await fs.GetAttributesAsync("/f", true, Ct)).ModifyTime);
    }
}
