using Wharf.Server.Accounts;

namespace Wharf.Server.Tests.Accounts;

public sealed class PermissionSetTests
{
    private static PermissionSet Sample() => new(new Dictionary<string, IReadOnlyCollection<string>>
    {
        ["/"] = ["list", "download"],
        ["/uploads"] = ["list", "upload"],
        ["/uploads/private"] = [],
        ["/all"] = ["*"],
    });

    [Theory]
    [InlineData("/", "download", true)]
    [InlineData("/docs", "download", true)]
    [InlineData("/uploads", "download", false)]
    [InlineData("/uploads", "upload", true)]
    [InlineData("/uploads/sub", "upload", true)]
    [InlineData("/uploads/private", "list", false)]
    [InlineData("/uploads/private/x", "upload", false)]
    [InlineData("/uploadsX", "upload", false)]   // a prefix of the name is not a parent
    [InlineData("/all/deep/er", "chown", true)]
    public void MostSpecificDirectoryWins(string dir, string permission, bool expected) =>
        Assert.Equal(expected, Sample().Has(dir, permission));

    [Fact]
    public void UnknownPermissionIsRejectedByName()
    {
        var ex = Assert.Throws<ArgumentException>(() => PermissionSet.ParseGlobal("list,fly"));
        Assert.Contains("fly", ex.Message);
    }

    [Fact]
    public void PermissionSetIsUniformOnlyWhenEveryDirectoryGrantsTheSame()
    {
        Assert.False(Sample().IsUniform);
        Assert.True(PermissionSet.ParseGlobal("list,download").IsUniform);
        Assert.True(new PermissionSet(new Dictionary<string, IReadOnlyCollection<string>> { ["/"] = ["*"], ["/x"] = [.. Permission.Names] }).IsUniform);
    }

    [Fact]
    public void PermissionSetConfiguredAtOrBelowNamesTheDirectoryAndItsConfiguredDescendants()
    {
        Assert.Equal(["/uploads", "/uploads/private"], Sample().ConfiguredAtOrBelow("/uploads").Order());
        Assert.Empty(Sample().ConfiguredAtOrBelow("/upload"));
        Assert.Equal(["/uploads/private"], Sample().ConfiguredAtOrBelow("/uploads/private"));
    }

    [Fact]
    public void PermissionSetFirstNotGrantedInFindsWhatTheOtherDirectoryLacks()
    {
        Assert.Equal("upload", Sample().FirstNotGrantedIn("/uploads", "/"));
        Assert.Null(Sample().FirstNotGrantedIn("/uploads/private", "/"));
        Assert.Null(Sample().FirstNotGrantedIn("/", "/all"));
    }
}
