using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

public sealed class DataProviderFactoryTests
{
    [Theory]
    [InlineData("sqlite", "sqlite")]
    [InlineData("SQLite", "sqlite")]
    [InlineData("memory", "memory")]
    [InlineData("postgresql", "postgresql")]
    public async Task Known_drivers(string driver, string expected)
    {
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = driver, Host = "localhost", Name = "x.db" }, Path.GetTempPath());
        Assert.Equal(expected, provider.Driver);
    }

    [Theory]
    [InlineData("mysql")]
    [InlineData("")]
    public void Unknown_driver_is_a_validation_error_naming_driver(string driver)
    {
        var ex = Assert.Throws<DataProviderException>(() => DataProviderFactory.Create(new DataProviderConfig { Driver = driver }, "."));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal("driver", ex.Field);
    }

    [Fact]
    public async Task Manage_users_zero_refuses_writes()
    {
        await using var provider = new MemoryDataProvider();
        var service = new UserService(provider, new DataProviderConfig { ManageUsers = 0 }, TestUsers.Hasher);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => service.AddAsync(TestUsers.Make("x"), TestContext.Current.CancellationToken));
        Assert.Equal("manage_users", ex.Field);
    }

    [Fact]
    public async Task Service_hashes_plain_passwords_and_keeps_hashes()
    {
        await using var provider = new MemoryDataProvider();
        var service = new UserService(provider, new DataProviderConfig(), TestUsers.Hasher);
        var plain = TestUsers.Make("plain");
        plain.Password = "secret";
        await service.AddAsync(plain, TestContext.Current.CancellationToken);
        await service.AddAsync(TestUsers.Make("hashed"), TestContext.Current.CancellationToken);
        Assert.Equal("$test$secret", (await provider.GetUserAsync("plain", TestContext.Current.CancellationToken))!.Password);
        Assert.Equal(TestUsers.Hash, (await provider.GetUserAsync("hashed", TestContext.Current.CancellationToken))!.Password);
    }

    [Fact]
    public async Task Restore_rejects_duplicates_and_invalid_users_before_writing()
    {
        await using var provider = new MemoryDataProvider();
        var bad = TestUsers.Make("second");
        bad.Status = 5;
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => DataDump.RestoreAsync(provider,
            new DataDump { Users = [TestUsers.Make("first"), bad] }, RestoreMode.AddAndUpdate, passwordHasher: TestUsers.Hasher,
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("status", ex.Field);
        Assert.Null(await provider.GetUserAsync("first", TestContext.Current.CancellationToken));

        ex = await Assert.ThrowsAsync<DataProviderException>(() => DataDump.RestoreAsync(provider,
            new DataDump { Users = [TestUsers.Make("twice"), TestUsers.Make("twice")] }, RestoreMode.AddAndUpdate, passwordHasher: TestUsers.Hasher,
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("username", ex.Field);
        Assert.Throws<DataProviderException>(() => DataDump.Parse("{not json"));
    }
}
