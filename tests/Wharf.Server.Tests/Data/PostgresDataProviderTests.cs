using Npgsql;
using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

public sealed class PostgresDataProviderTests(PostgresFixture postgres) : DataProviderContractTests, IClassFixture<PostgresFixture>
{
    protected override async Task<Func<IDataProvider>> NewStoreAsync()
    {
        string connectionString = await postgres.NewSchemaAsync();
        var config = new DataProviderConfig { Driver = "postgresql", ConnectionString = connectionString, PoolSize = 60 };
        return () => DataProviderFactory.Create(config, ".");
    }

    [Fact]
    public async Task Schema_version_rows_are_recorded_once_each()
    {
        string connectionString = await postgres.NewSchemaAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var config = new DataProviderConfig { Driver = "postgresql", ConnectionString = connectionString };
        var nodes = Enumerable.Range(0, 3).Select(_ => DataProviderFactory.Create(config, ".")).ToArray();
        await Task.WhenAll(nodes.Select(n => n.InitializeAsync(TestContext.Current.CancellationToken)));
        await nodes[0].InitializeAsync(TestContext.Current.CancellationToken);
        foreach (var n in nodes)
        {
            await n.DisposeAsync();
        }

        await using var cmd = dataSource.CreateCommand("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version");
        Assert.Equal("1,2,3,4,5", (string?)await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Version_3_admins_get_session_stamps()
    {
        var config = new DataProviderConfig { Driver = "postgresql", ConnectionString = await postgres.NewSchemaAsync() };
        await using var dataSource = NpgsqlDataSource.Create(config.ConnectionString);
        await SchemaUpgrade.Version3AdminsGetSessionStampsAsync(() => DataProviderFactory.Create(config, "."), async sql =>
        {
            await using var cmd = dataSource.CreateCommand(sql);
            await cmd.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Version_2_database_migrates_to_3()
    {
        var config = new DataProviderConfig { Driver = "postgresql", ConnectionString = await postgres.NewSchemaAsync() };
        await SchemaUpgrade.Version2DatabaseMigratesTo3Async(() => DataProviderFactory.Create(config, "."), TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Connection_string_is_built_from_the_fields()
    {
        string cs = PostgresDataProvider.BuildConnectionString(new DataProviderConfig
        {
            Driver = "postgresql", Host = "db.example", Port = 6543, Name = "wharf", Username = "u", Password = "p", SslMode = 3, PoolSize = 7,
        });
        var b = new NpgsqlConnectionStringBuilder(cs);
        Assert.Equal("db.example", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("wharf", b.Database);
        Assert.Equal("u", b.Username);
        Assert.Equal("p", b.Password);
        Assert.Equal(SslMode.VerifyFull, b.SslMode);
        Assert.Equal(7, b.MaxPoolSize);
        Assert.True(b.Pooling);

        var fromString = new NpgsqlConnectionStringBuilder(PostgresDataProvider.BuildConnectionString(
            new DataProviderConfig { ConnectionString = "Host=h;Database=d", PoolSize = 3 }));
        Assert.Equal("h", fromString.Host);
        Assert.Equal(3, fromString.MaxPoolSize);
    }

    [Theory]
    [InlineData("", 5432, 0, "host")]
    [InlineData("h", 0, 0, "port")]
    [InlineData("h", 5432, 9, "sslmode")]
    public void Bad_fields_are_named(string host, int port, int sslMode, string field)
    {
        var ex = Assert.Throws<DataProviderException>(() => DataProviderFactory.Create(
            new DataProviderConfig { Driver = "postgresql", Host = host, Port = port, SslMode = sslMode }, "."));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public async Task Unreachable_server_is_unavailable()
    {
        await using var provider = DataProviderFactory.Create(new DataProviderConfig
        {
            Driver = "postgresql", ConnectionString = "Host=127.0.0.1;Port=1;Username=x;Password=x;Database=x;Timeout=3",
        }, ".");
        Assert.False(await provider.IsAvailableAsync(TestContext.Current.CancellationToken));
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => provider.InitializeAsync(TestContext.Current.CancellationToken));
        Assert.Equal(DataProviderError.Unavailable, ex.Error);
    }
}
