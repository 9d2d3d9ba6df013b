using System.Net;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Defense;
using Wharf.Server.Tests.Data;

namespace Wharf.Server.Tests.Defense;

/// <summary>The provider driver: the same rules as memory, state in the database, bans seen by every node on it.</summary>
public abstract class ProviderDefenderTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.10");

    protected abstract Task<Func<IDataProvider>> NewStoreAsync();

    private static DefenderOptions Options(int threshold = 15) => new() { Threshold = threshold };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_ban_by_one_node_drops_the_source_on_the_other_and_an_unban_on_either_reaches_both()
    {
        var factory = await NewStoreAsync();
        await using var db1 = factory();
        await using var db2 = factory();
        await db1.InitializeAsync(Ct);
        await db2.InitializeAsync(Ct);
        var clock = new ManualClock();
        await using var node1 = new ProviderHostDefender((IDefenderStore)db1, Options(), clock) { RefreshInterval = TimeSpan.FromHours(1) };
        await using var node2 = new ProviderHostDefender((IDefenderStore)db2, Options(), clock) { RefreshInterval = TimeSpan.FromHours(1) };
        await node1.StartAsync(Ct);
        await node2.StartAsync(Ct);

        // Scores add up across nodes: 7 failures on one, 8 on the other.
        for (int i = 0; i < 7; i++)
        {
            node1.AddEvent(A, HostEvent.LoginFailed);
        }

        await node1.FlushAsync(Ct);
        Assert.Equal(7, (await node2.GetHostAsync(node2.SourceOf(A), Ct))!.Score);
        for (int i = 0; i < 8; i++)
        {
            node2.AddEvent(A, HostEvent.LoginFailed);
        }

        await node2.FlushAsync(Ct);
        Assert.True(node2.IsBanned(A));
        Assert.Equal(1, node2.BansTotal);

        Assert.False(node1.IsBanned(A)); // not refreshed yet
        await node1.RefreshAsync(Ct);
        Assert.True(node1.IsBanned(A));
        var listed = Assert.Single(await node1.GetHostsAsync(Ct));
        Assert.Equal("192.0.2.10", listed.Source.ToString());
        Assert.Equal(clock.GetUtcNow().AddMinutes(30), listed.BanUntil);
        Assert.Equal(1, listed.Offences);

        // Each node dropped one connection: +15 minutes each, written on each node's next refresh.
        await node1.RefreshAsync(Ct);
        Assert.Equal(clock.GetUtcNow().AddMinutes(45), (await node2.GetHostAsync(node2.SourceOf(A), Ct))!.BanUntil);
        await node2.RefreshAsync(Ct);
        Assert.Equal(clock.GetUtcNow().AddMinutes(60), (await node1.GetHostAsync(node1.SourceOf(A), Ct))!.BanUntil);

        Assert.True(await node1.DeleteHostAsync(node1.SourceOf(A), Ct));
        Assert.False(node1.IsBanned(A));
        await node2.RefreshAsync(Ct);
        Assert.False(node2.IsBanned(A));
        Assert.Empty(await node2.GetHostsAsync(Ct));
    }

    [Fact]
    public async Task Bans_end_repeat_offences_grow_and_old_rows_are_cleaned_up()
    {
        var factory = await NewStoreAsync();
        await using var db = factory();
        await db.InitializeAsync(Ct);
        var clock = new ManualClock();
        await using var d = new ProviderHostDefender((IDefenderStore)db, Options(threshold: 3), clock) { RefreshInterval = TimeSpan.FromHours(1) };
        await d.StartAsync(Ct);
        d.AddEvent(A, HostEvent.LimitExceeded);
        await d.FlushAsync(Ct);
        Assert.Equal(clock.GetUtcNow().AddMinutes(30), (await d.GetHostAsync(d.SourceOf(A), Ct))!.BanUntil);
        clock.Advance(TimeSpan.FromMinutes(31));
        await d.RefreshAsync(Ct);
        Assert.False(d.IsBanned(A));
        Assert.Null(await d.GetHostAsync(d.SourceOf(A), Ct));

        d.AddEvent(A, HostEvent.LimitExceeded);
        await d.FlushAsync(Ct);
        var second = (await d.GetHostAsync(d.SourceOf(A), Ct))!;
        Assert.Equal(2, second.Offences);
        Assert.Equal(clock.GetUtcNow().AddMinutes(45), second.BanUntil);

        clock.Advance(TimeSpan.FromDays(2));
        await d.RefreshAsync(Ct); // cleans up: the host is forgotten
        d.AddEvent(A, HostEvent.LimitExceeded);
        await d.FlushAsync(Ct);
        Assert.Equal(1, (await d.GetHostAsync(d.SourceOf(A), Ct))!.Offences);
    }
}

public sealed class PostgresProviderDefenderTests(PostgresFixture postgres) : ProviderDefenderTests, IClassFixture<PostgresFixture>
{
    protected override async Task<Func<IDataProvider>> NewStoreAsync()
    {
        var config = new DataProviderConfig { Driver = "postgresql", ConnectionString = await postgres.NewSchemaAsync() };
        return () => DataProviderFactory.Create(config, ".");
    }
}

public sealed class SqliteProviderDefenderTests : ProviderDefenderTests, IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wharf-defender-db-");

    protected override Task<Func<IDataProvider>> NewStoreAsync()
    {
        var config = new DataProviderConfig { Driver = "sqlite", Name = Path.Combine(_dir.FullName, "wharf.db") };
        return Task.FromResult<Func<IDataProvider>>(() => DataProviderFactory.Create(config, "."));
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
