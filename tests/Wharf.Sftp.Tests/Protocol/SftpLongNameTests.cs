using Wharf.Sftp.FileSystem;
using Wharf.Sftp.Protocol;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Tests.Protocol;

public sealed class SftpLongNameTests
{
    [Theory]
    [InlineData(0x81A4u, "-rw-r--r--")]
    [InlineData(0x41EDu, "drwxr-xr-x")]
    [InlineData(0xA1FFu, "lrwxrwxrwx")]
    [InlineData(0x8DEDu, "-rwsr-sr-x")]
    [InlineData(0x89EDu, "-rwsr-xr-x")]
    [InlineData(0x8DA4u, "-rwSr-Sr--")]
    [InlineData(0x43FFu, "drwxrwxrwt")]
    [InlineData(0x4200u, "d--------T")]
    public void ModeStringLikeLs(uint mode, string expected) => Assert.Equal(expected, SftpLongName.ModeString(mode));

    [Fact]
    public void FormatsLikeOpenSsh()
    {
        var now = new DateTimeOffset(2025, 3, 10, 8, 0, 0, TimeSpan.Zero);
        var recent = new SftpFileAttributes { Permissions = 0x81A4, Uid = 1000, Gid = 100, Size = 1234, ModifyTime = (uint)new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() };
        using var fs = new TempDirFileSystem();
        Assert.Equal("-rw-r--r--    1 alice    users        1234 Jan  1 12:00 name", SftpLongName.Format("name", recent, fs, now));
        var old = recent.Clone();
        old.ModifyTime = (uint)new DateTimeOffset(2020, 7, 15, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        old.Uid = 77;
        old.Gid = 88;
        Assert.Equal("-rw-r--r--    1 77       88           1234 Jul 15  2020 name", SftpLongName.Format("name", old, null, now));
    }

    [Fact]
    public void AttributesRoundTripAndExtendedCountIsBounded()
    {
        var a = new SftpFileAttributes { Size = 1UL << 40, Uid = 1, Gid = 2, Permissions = 0x81FF, AccessTime = 3, ModifyTime = 4, Extended = [new("x@y", [1, 2])] };
        using var w = new SshWriter();
        SftpAttributesCodec.Write(w, a);
        var r = new SshReader(w.WrittenSpan);
        var b = SftpAttributesCodec.Read(ref r);
        Assert.Equal(0, r.Remaining);
        Assert.Equal((a.Size, a.Uid, a.Gid, a.Permissions, a.AccessTime, a.ModifyTime), (b.Size, b.Uid, b.Gid, b.Permissions, b.AccessTime, b.ModifyTime));
        Assert.Equal("x@y", Assert.Single(b.Extended!).Key);

        using var bad = new SshWriter();
        bad.WriteUInt32((uint)SftpAttributeFlags.Extended);
        bad.WriteUInt32(1_000_000);
        var e = Assert.Throws<SftpException>(() =>
        {
            var r2 = new SshReader(bad.WrittenSpan);
            SftpAttributesCodec.Read(ref r2);
        });
        Assert.Equal(SftpStatusCode.BadMessage, e.Code);
    }
}
