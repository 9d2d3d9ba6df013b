using Wharf.Sftp.FileSystem;

namespace Wharf.Sftp.Tests.FileSystem;

public sealed class SftpFileAttributesTests
{
    [Fact]
    public void TypeBitsClassifyTheFile()
    {
        Assert.True(new SftpFileAttributes { Permissions = 0x41ED }.IsDirectory);
        Assert.True(new SftpFileAttributes { Permissions = 0x81A4 }.IsRegularFile);
        Assert.True(new SftpFileAttributes { Permissions = 0xA1FF }.IsSymbolicLink);
        Assert.False(new SftpFileAttributes().IsDirectory);
    }
}
