using System.Text;
using Wharf.Sftp.Protocol;

namespace Wharf.Sftp.Tests.Protocol;

public sealed class SftpPathTests
{
    [Theory]
    [InlineData("../../etc/passwd", "/", "/etc/passwd")]
    [InlineData("/../../..", "/", "/")]
    [InlineData("a/./b//c/..", "/", "/a/b")]
    [InlineData("", "/home/u", "/home/u")]
    [InlineData(".", "/home/u", "/home/u")]
    [InlineData("..", "/home/u", "/home")]
    [InlineData("../../../../x", "/home/u", "/x")]
    [InlineData("x/", "/home/u", "/home/u/x")]
    [InlineData("/abs//p/", "/home/u", "/abs/p")]
    [InlineData("//", "/", "/")]
    [InlineData("...", "/", "/...")]
    [InlineData("a/..b", "/", "/a/..b")]
    public void NormalizesLexicallyNeverAboveRoot(string path, string home, string expected) =>
        Assert.Equal(expected, SftpPath.Normalize(path, home));

    [Fact]
    public void RelativeHomeIsTakenFromRoot() => Assert.Equal("/h/x", SftpPath.Normalize("x", "h"));

    [Fact]
    public void RejectsNulAndInvalidUtf8()
    {
        Assert.False(SftpPath.TryDecode("a\0b"u8, out _));
        Assert.False(SftpPath.TryDecode([0x61, 0xFF, 0x62], out _));
        Assert.False(SftpPath.TryDecode(new byte[SftpPath.MaxPathBytes + 1], out _));
        Assert.True(SftpPath.TryDecode(Encoding.UTF8.GetBytes("/dïr/ファイル"), out var p));
        Assert.Equal("/dïr/ファイル", p);
    }
}
