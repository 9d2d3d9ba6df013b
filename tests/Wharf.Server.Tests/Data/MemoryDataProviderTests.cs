using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

public sealed class MemoryDataProviderTests : DataProviderContractTests
{
    private readonly string _dir = TestUsers.NewTempDirectory();

    protected override Task<Func<IDataProvider>> NewStoreAsync() =>
        Task.FromResult<Func<IDataProvider>>(() => DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "" }, _dir));

    protected override Task CleanupAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Loads_users_from_a_dump_file_relative_to_the_config_dir()
    {
        var plain = TestUsers.Make("plain");
        plain.Password = "secret";
        var dump = new DataDump { Users = [TestUsers.Make("fromdump"), plain] };
        dump.Users[0].UsedQuotaSize = 9;
        await File.WriteAllTextAsync(Path.Combine(_dir, "dump.json"),
            dump.ToJson(), TestContext.Current.CancellationToken);

        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "dump.json" }, _dir, TestUsers.Hasher);
        await provider.InitializeAsync(TestContext.Current.CancellationToken);
        var user = await provider.GetUserAsync("fromdump", TestContext.Current.CancellationToken);
        Assert.NotNull(user);
        Assert.Equal(9, user.UsedQuotaSize);
        Assert.Equal(TestUsers.Hash, user.Password);
        Assert.Equal("$test$secret", (await provider.GetUserAsync("plain", TestContext.Current.CancellationToken))!.Password);
    }

    [Fact]
    public async Task Sftpgo_dump_with_other_sections_loads()
    {
        string json = """
            {"folders": [], "admins": [{"username": "admin"}], "version": 8,
             "users": [{"id": 5, "username": "sftpgo", "password": "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
                        "status": 1, "home_dir": "/srv/sftpgo", "permissions": {"/": ["*"]}, "public_keys": null, "filters": {}}]}
            """;
        await File.WriteAllTextAsync(Path.Combine(_dir, "sftpgo.json"), json, TestContext.Current.CancellationToken);
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "sftpgo.json" }, _dir, TestUsers.Hasher);
        await provider.InitializeAsync(TestContext.Current.CancellationToken);
        var user = (await provider.GetUserAsync("sftpgo", TestContext.Current.CancellationToken))!;
        Assert.Equal("/srv/sftpgo", user.HomeDir);
        Assert.Empty(user.PublicKeys);
    }

    [Fact]
    public async Task Missing_dump_file_fails_initialisation()
    {
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "missing.json" }, _dir, TestUsers.Hasher);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => provider.InitializeAsync(TestContext.Current.CancellationToken));
        Assert.Equal("name", ex.Field);
    }

    [Fact]
    public async Task Invalid_user_in_dump_fails_naming_the_field()
    {
        var bad = TestUsers.Make("bad");
        bad.HomeDir = "relative";
        await File.WriteAllTextAsync(Path.Combine(_dir, "bad.json"), new DataDump { Users = [bad] }.ToJson(), TestContext.Current.CancellationToken);
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "bad.json" }, _dir, TestUsers.Hasher);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => provider.InitializeAsync(TestContext.Current.CancellationToken));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal("home_dir", ex.Field);
    }
}
