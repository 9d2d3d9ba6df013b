using Microsoft.Data.Sqlite;
using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

public sealed class SqliteDataProviderTests : DataProviderContractTests
{
    private readonly string _dir = TestUsers.NewTempDirectory();

    protected override Task<Func<IDataProvider>> NewStoreAsync()
    {
        var config = new DataProviderConfig { Driver = "sqlite", Name = $"db-{Guid.NewGuid():N}.db" };
        return Task.FromResult<Func<IDataProvider>>(() => DataProviderFactory.Create(config, _dir));
    }

    protected override Task CleanupAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task File_is_relative_to_the_config_dir_owner_only_and_in_wal_mode()
    {
        var config = new DataProviderConfig { Driver = "sqlite", Name = "sub/users.db" };
        await using var provider = (SqliteDataProvider)DataProviderFactory.Create(config, _dir);
        string path = Path.Combine(_dir, "sub", "users.db");
        Assert.Equal(path, provider.DatabasePath);
        await provider.InitializeAsync(TestContext.Current.CancellationToken);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        cmd.CommandText = "SELECT group_concat(version, ',') FROM (SELECT version FROM schema_version ORDER BY version)";
        Assert.Equal("1,2,3,4,5", (string?)await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        Assert.True(File.Exists(path + "-wal"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path + "-wal"));
    }

    [Fact]
    public async Task Version_3_admins_get_session_stamps()
    {
        var config = new DataProviderConfig { Driver = "sqlite", Name = "v3.db" };
        await SchemaUpgrade.Version3AdminsGetSessionStampsAsync(() => DataProviderFactory.Create(config, _dir), async sql =>
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "v3.db")};Pooling=False");
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Version_2_database_migrates_to_3()
    {
        var config = new DataProviderConfig { Driver = "sqlite", Name = "v2.db" };
        await SchemaUpgrade.Version2DatabaseMigratesTo3Async(() => DataProviderFactory.Create(config, _dir), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Absolute_name_is_used_as_is()
    {
        string path = Path.Combine(_dir, "abs.db");
        await using var provider = (SqliteDataProvider)DataProviderFactory.Create(new DataProviderConfig { Name = path }, "/nonexistent");
        Assert.Equal(path, provider.DatabasePath);
    }

    [Fact]
    public async Task Uninitialised_database_reports_version_zero_and_unavailable_operations()
    {
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Name = "empty.db" }, _dir);
        Assert.Equal(0, await provider.GetSchemaVersionAsync(TestContext.Current.CancellationToken));
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => provider.GetUserAsync("x", TestContext.Current.CancellationToken));
        Assert.Equal(DataProviderError.Unavailable, ex.Error);
    }
}
