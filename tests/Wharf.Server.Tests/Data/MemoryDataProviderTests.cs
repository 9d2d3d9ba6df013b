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
            {"folders": [], "version": 8,
             "admins": [{"id": 1, "status": 1, "username": "admin", "password": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
                         "email": null, "description": "", "permissions": ["*"], "filters": {"allow_list": []}, "additional_info": ""}],
             "users": [{"id": 5, "username": "sftpgo", "password": "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
                        "status": 1, "home_dir": "/srv/sftpgo", "permissions": {"/": ["*"]}, "public_keys": null, "filters": {}}]}
            """;
        await File.WriteAllTextAsync(Path.Combine(_dir, "sftpgo.json"), json, TestContext.Current.CancellationToken);
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "sftpgo.json" }, _dir, TestUsers.Hasher);
        await provider.InitializeAsync(TestContext.Current.CancellationToken);
        var user = (await provider.GetUserAsync("sftpgo", TestContext.Current.CancellationToken))!;
        Assert.Equal("/srv/sftpgo", user.HomeDir);
        Assert.Empty(user.PublicKeys);
        var admin = (await provider.GetAdminAsync("admin", TestContext.Current.CancellationToken))!;
        Assert.Equal("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", admin.Password);
        Assert.Equal("", admin.Email);
        Assert.Equal(1, admin.Status);
    }

    [Fact]
    public async Task Memory_dump_keeps_filters_and_refuses_unsupported_members()
    {
        var ct = TestContext.Current.CancellationToken;
        string json = """{"users": [{"username": "net", "password": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "home_dir": "/srv/net", "permissions": {"/": ["*"]}, "filters": {"denied_ip": ["127.0.0.0/8"]}}]}""";
        await File.WriteAllTextAsync(Path.Combine(_dir, "net.json"), json, ct);
        await using (var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "net.json" }, _dir, TestUsers.Hasher))
        {
            await provider.InitializeAsync(ct);
            Assert.Equal(["127.0.0.0/8"], (await provider.GetUserAsync("net", ct))!.DeniedIp);
        }

        await File.WriteAllTextAsync(Path.Combine(_dir, "bad.json"), json.Replace("\"denied_ip\"", "\"denied_protocols\"", StringComparison.Ordinal), ct);
        await using var bad = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "bad.json" }, _dir, TestUsers.Hasher);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => bad.InitializeAsync(ct));
        Assert.Contains("users[0].filters.denied_protocols is not supported", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_from_before_admins_loads_and_admins_start_empty()
    {
        string json = $$$"""{"users": [{"username": "old", "password": "{{{TestUsers.Hash}}}", "home_dir": "/srv/old", "permissions": {"/": ["*"]}}]}""";
        await File.WriteAllTextAsync(Path.Combine(_dir, "v2.json"), json, TestContext.Current.CancellationToken);
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "v2.json" }, _dir, TestUsers.Hasher);
        await provider.InitializeAsync(TestContext.Current.CancellationToken);
        Assert.Equal(SqlDataProvider.LatestSchemaVersion, await provider.GetSchemaVersionAsync(TestContext.Current.CancellationToken));
        Assert.NotNull(await provider.GetUserAsync("old", TestContext.Current.CancellationToken));
        Assert.Empty(await provider.ListAdminsAsync(TestContext.Current.CancellationToken));
        Assert.Empty(DataDump.Parse(json).Admins);
    }

    [Fact]
    public async Task Invalid_admin_in_dump_fails_naming_the_field_and_writes_nothing()
    {
        var dump = new DataDump { Users = [TestUsers.Make("u")], Admins = [new() { Username = "weak", Password = "short" }] };
        await File.WriteAllTextAsync(Path.Combine(_dir, "weak.json"), dump.ToJson(), TestContext.Current.CancellationToken);
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "memory", Name = "weak.json" }, _dir, TestUsers.Hasher);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => provider.InitializeAsync(TestContext.Current.CancellationToken));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal("password", ex.Field);
        Assert.StartsWith("admin 'weak': password:", ex.Message, StringComparison.Ordinal);
        Assert.Null(await provider.GetUserAsync("u", TestContext.Current.CancellationToken));
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
