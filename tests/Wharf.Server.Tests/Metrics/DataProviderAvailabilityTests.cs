using System.Diagnostics;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Events;
using Wharf.Server.Metrics;
using Wharf.Server.Tests.Data;

namespace Wharf.Server.Tests.Metrics;

/// <summary>wharf_dataprovider_availability is asked at scrape time, and a bad provider never hangs the scrape.</summary>
public sealed class DataProviderAvailabilityTests : IDisposable
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(300);
    private readonly string _dir = TestUsers.NewTempDirectory();
    private readonly ServerEvents _events = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<double> AvailabilityAsync(Func<CancellationToken, Task<bool>> check)
    {
        using var metrics = new WharfMetrics(_events, () => 0, check) { DataProviderTimeout = ShortTimeout };
        var s = await Scrape.TakeAsync(metrics, TestContext.Current.CancellationToken);
        return s.Value("wharf_dataprovider_availability");
    }

    [Fact]
    public async Task Is_1_with_a_real_sqlite_provider()
    {
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "sqlite", Name = "users.db" }, _dir);
        await provider.InitializeAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, await AvailabilityAsync(provider.IsAvailableAsync));
    }

    [Fact]
    public async Task Is_0_with_a_real_sqlite_provider_that_cannot_open_its_database()
    {
        // The database path is a directory: SQLite cannot open it, the provider reports unavailable.
        Directory.CreateDirectory(Path.Combine(_dir, "users.db"));
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "sqlite", Name = "users.db" }, _dir);
        Assert.False(await provider.IsAvailableAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await AvailabilityAsync(provider.IsAvailableAsync));
    }

    [Fact]
    public async Task Is_0_when_the_check_says_false_or_throws()
    {
        Assert.Equal(0, await AvailabilityAsync(_ => Task.FromResult(false)));
        Assert.Equal(0, await AvailabilityAsync(_ => Task.FromException<bool>(new DataProviderException(DataProviderError.Unavailable, "down", null))));
        Assert.Equal(0, await AvailabilityAsync(_ => throw new InvalidOperationException("thrown before any task")));
    }

    [Fact]
    public async Task Is_0_after_the_timeout_when_the_check_hangs_even_if_it_ignores_its_token()
    {
        var never = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken seen = default;
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, await AvailabilityAsync(ct => { seen = ct; return never.Task; }));
        clock.Stop();
        Assert.InRange(clock.Elapsed, ShortTimeout * 0.9, TimeSpan.FromSeconds(5));
        Assert.True(seen.IsCancellationRequested, "the check's token is cancelled at the timeout");
    }

    [Fact]
    public async Task Is_0_when_a_token_honouring_check_is_slower_than_the_timeout()
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, await AvailabilityAsync(async ct => { await Task.Delay(TimeSpan.FromMinutes(1), ct); return true; }));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_cancelled_scrape_is_cancelled_not_reported_as_unavailable()
    {
        using var metrics = new WharfMetrics(_events, () => 0, ct => Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => true, TaskScheduler.Default))
        {
            DataProviderTimeout = TimeSpan.FromMinutes(1),
        };
        using var scrape = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => metrics.RenderAsync(scrape.Token));
    }
}
