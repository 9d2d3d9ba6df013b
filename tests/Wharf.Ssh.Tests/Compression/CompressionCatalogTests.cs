using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.Compression;

public class CompressionCatalogTests
{
    [Fact]
    public void ListsNamesInDefaultPreference()
    {
        Assert.Equal(["none", "zlib@openssh.com", "zlib"], CompressionCatalog.All);
    }

    [Fact]
    public void OnlyTheOpenSshVariantIsDelayed()
    {
        Assert.True(CompressionCatalog.IsDelayed(CompressionCatalog.ZlibOpenSsh));
        Assert.False(CompressionCatalog.IsDelayed(CompressionCatalog.Zlib));
        Assert.False(CompressionCatalog.IsDelayed(CompressionCatalog.None));
        Assert.False(CompressionCatalog.IsDelayed("ZLIB@OPENSSH.COM"));
    }

    [Fact]
    public void NoneCreatesNothing()
    {
        Assert.Null(CompressionCatalog.CreateCompressor("none"));
        Assert.Null(CompressionCatalog.CreateDecompressor("none"));
    }

    [Theory]
    [InlineData("zlib")]
    [InlineData("zlib@openssh.com")]
    public void ZlibNamesCreateAWorkingPair(string name)
    {
        using var c = CompressionCatalog.CreateCompressor(name);
        using var d = CompressionCatalog.CreateDecompressor(name);
        Assert.NotNull(c);
        Assert.NotNull(d);
        using var w = new SshWriter();
        c.Compress("payload"u8, w);
        using var o = new SshWriter();
        d.Decompress(w.WrittenSpan, o, 100);
        Assert.Equal("payload"u8.ToArray(), o.ToArray());
    }

    [Theory]
    [InlineData("zstd@openssh.com")]
    [InlineData("")]
    [InlineData("Zlib")]
    public void UnknownNamesAreRejected(string name)
    {
        Assert.Throws<ArgumentException>(() => CompressionCatalog.CreateCompressor(name));
        Assert.Throws<ArgumentException>(() => CompressionCatalog.CreateDecompressor(name));
    }
}
