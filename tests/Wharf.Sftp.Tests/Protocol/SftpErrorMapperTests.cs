using Wharf.Sftp.Protocol;

namespace Wharf.Sftp.Tests.Protocol;

public sealed class SftpErrorMapperTests
{
    [Fact]
    public void MapsExceptionTypesWithoutLeakingTheirMessages()
    {
        Assert.Equal((SftpStatusCode.NoSuchFile, "No such file"), SftpErrorMapper.Map(new FileNotFoundException("/srv/secret/x")));
        Assert.Equal((SftpStatusCode.NoSuchFile, "No such file"), SftpErrorMapper.Map(new DirectoryNotFoundException("/srv/secret")));
        Assert.Equal((SftpStatusCode.PermissionDenied, "Permission denied"), SftpErrorMapper.Map(new UnauthorizedAccessException("/srv/secret")));
        Assert.Equal(SftpStatusCode.OpUnsupported, SftpErrorMapper.Map(new NotSupportedException()).Code);
        Assert.Equal((SftpStatusCode.Failure, "internal error"), SftpErrorMapper.Map(new InvalidOperationException("boom")));
        Assert.Equal((SftpStatusCode.LockConflict, "busy"), SftpErrorMapper.Map(new SftpException(SftpStatusCode.LockConflict, "busy")));
    }

    [Theory]
    [InlineData(2, SftpStatusCode.NoSuchFile)]
    [InlineData(13, SftpStatusCode.PermissionDenied)]
    [InlineData(17, SftpStatusCode.FileAlreadyExists)]
    [InlineData(28, SftpStatusCode.NoSpaceOnFilesystem)]
    [InlineData(39, SftpStatusCode.DirNotEmpty)]
    [InlineData(unchecked((int)0x80070050), SftpStatusCode.FileAlreadyExists)]
    [InlineData(unchecked((int)0x80070005), SftpStatusCode.PermissionDenied)]
    [InlineData(12345, SftpStatusCode.Failure)]
    public void MapsIOExceptionErrorCodes(int hresult, SftpStatusCode expected)
    {
        var (code, message) = SftpErrorMapper.Map(new IOException("/real/host/path", hresult));
        Assert.Equal(expected, code);
        Assert.DoesNotContain("/real", message);
    }

    [Fact]
    public void RealIOExceptionFromCreateNewIsAlreadyExists()
    {
        var path = Path.GetTempFileName();
        try
        {
            var e = Assert.ThrowsAny<IOException>(() => new FileStream(path, FileMode.CreateNew));
            Assert.Equal(SftpStatusCode.FileAlreadyExists, SftpErrorMapper.Map(e).Code);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Version3GetsOnlyCodesItKnows()
    {
        Assert.Equal(SftpStatusCode.Failure, SftpErrorMapper.ForVersion(SftpStatusCode.FileAlreadyExists, 3));
        Assert.Equal(SftpStatusCode.OpUnsupported, SftpErrorMapper.ForVersion(SftpStatusCode.OpUnsupported, 3));
        Assert.Equal(SftpStatusCode.FileAlreadyExists, SftpErrorMapper.ForVersion(SftpStatusCode.FileAlreadyExists, 6));
    }
}
