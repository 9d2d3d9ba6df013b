using System.Net;
using Wharf.Server.Events;
using Wharf.Server.Metrics;

namespace Wharf.Server.Tests.Metrics;

/// <summary>Counters move by exactly what the service's events say, through the real <see cref="ServerEvents"/> path.</summary>
public sealed class WharfMetricsCounterTests
{
    private readonly ServerEvents _events = new();

    private WharfMetrics NewMetrics() => new(_events, () => 0, _ => Task.FromResult(true));

    private static FileActionEvent Transfer(string action, long bytes, bool ok = true) => new()
    {
        Action = action,
        Username = "alice",
        Path = "/srv/alice/f",
        VirtualPath = "/f",
        Bytes = bytes,
        Succeeded = ok,
    };

    private static readonly string[] TransferFamilies =
    [
        "wharf_uploads_total", "wharf_upload_errors_total", "wharf_upload_bytes_total",
        "wharf_downloads_total", "wharf_download_errors_total", "wharf_download_bytes_total",
        "wharf_ssh_commands_total", "wharf_ssh_command_errors_total",
    ];

    private static Dictionary<string, double> Transfers(Scrape s) => TransferFamilies.ToDictionary(n => n, n => s.Value(n));

    [Fact]
    public async Task Transfers_and_their_bytes_and_errors_are_counted_separately()
    {
        var ct = TestContext.Current.CancellationToken;
        using var metrics = NewMetrics();
        _events.Raise(Transfer(FileActions.Upload, 7)); // something before the baseline, so deltas are not just absolute values
        var before = Transfers(await Scrape.TakeAsync(metrics, ct));

        _events.Raise(Transfer(FileActions.Upload, 1000));
        _events.Raise(Transfer(FileActions.Upload, 24));
        _events.Raise(Transfer(FileActions.Upload, 300, ok: false)); // interrupted after 300 bytes
        _events.Raise(Transfer(FileActions.Download, 5_000_000_000)); // beyond 32 bits
        _events.Raise(Transfer(FileActions.Download, 0, ok: false));
        _events.Raise(Transfer(FileActions.Download, 0, ok: false));
        _events.Raise(new FileActionEvent { Action = FileActions.SshCommand, Username = "alice", SshCommand = "md5sum f", Protocol = "SSH" });
        _events.Raise(new FileActionEvent { Action = FileActions.SshCommand, Username = "alice", SshCommand = "sha1sum nope", Protocol = "SSH", Succeeded = false });
        _events.Raise(new FileActionEvent { Action = FileActions.SshCommand, Username = "alice", SshCommand = "sha1sum nope", Protocol = "SSH", Succeeded = false });
        // Not transfers: must not move any of these counters.
        _events.Raise(Transfer(FileActions.Delete, 0));
        _events.Raise(new FileActionEvent { Action = FileActions.Rename, Username = "alice", Path = "/a", TargetPath = "/b" });

        var after = Transfers(await Scrape.TakeAsync(metrics, ct));
        var delta = TransferFamilies.ToDictionary(n => n, n => after[n] - before[n]);
        Assert.Equal(new Dictionary<string, double>
        {
            ["wharf_uploads_total"] = 2,
            ["wharf_upload_errors_total"] = 1,
            ["wharf_upload_bytes_total"] = 1324,
            ["wharf_downloads_total"] = 1,
            ["wharf_download_errors_total"] = 2,
            ["wharf_download_bytes_total"] = 5_000_000_000,
            ["wharf_ssh_commands_total"] = 1,
            ["wharf_ssh_command_errors_total"] = 2,
        }, delta);
        Assert.Equal(1, before["wharf_uploads_total"]);
        Assert.Equal(7, before["wharf_upload_bytes_total"]);
    }

    [Fact]
    public async Task Logins_are_counted_per_method_and_result_and_unknown_methods_share_other()
    {
        var ct = TestContext.Current.CancellationToken;
        using var metrics = NewMetrics();
        var first = await Scrape.TakeAsync(metrics, ct);
        foreach (var method in new[] { "password", "public_key", "keyboard-interactive" })
        {
            Assert.Equal(0, first.Value("wharf_logins_total", ("method", method), ("result", "success")));
            Assert.Equal(0, first.Value("wharf_logins_total", ("method", method), ("result", "failure")));
        }

        Assert.Null(first.Find("wharf_logins_total", ("method", "other"), ("result", "failure")));

        var from = IPAddress.Loopback;
        _events.Raise(new LoginEvent("password", true, "alice", from));
        _events.Raise(new LoginEvent("password", false, "alice", from));
        _events.Raise(new LoginEvent("password", false, "mallory", from));
        _events.Raise(new LoginEvent("public_key", true, "alice", from));
        _events.Raise(new LoginEvent("keyboard-interactive", false, "bob", from));
        _events.Raise(new LoginEvent("gssapi-with-mic", false, "carol", from));

        var s = await Scrape.TakeAsync(metrics, ct);
        Assert.Equal(1, s.Value("wharf_logins_total", ("method", "password"), ("result", "success")));
        Assert.Equal(2, s.Value("wharf_logins_total", ("method", "password"), ("result", "failure")));
        Assert.Equal(1, s.Value("wharf_logins_total", ("method", "public_key"), ("result", "success")));
        Assert.Equal(0, s.Value("wharf_logins_total", ("method", "public_key"), ("result", "failure")));
        Assert.Equal(0, s.Value("wharf_logins_total", ("method", "keyboard-interactive"), ("result", "success")));
        Assert.Equal(1, s.Value("wharf_logins_total", ("method", "keyboard-interactive"), ("result", "failure")));
        Assert.Equal(0, s.Value("wharf_logins_total", ("method", "other"), ("result", "success")));
        Assert.Equal(1, s.Value("wharf_logins_total", ("method", "other"), ("result", "failure")));
        Assert.Equal(8, s.Families["wharf_logins_total"].Samples.Count);
    }

    [Fact]
    public async Task Http_requests_are_counted_per_status_code_and_impossible_codes_are_ignored()
    {
        var ct = TestContext.Current.CancellationToken;
        using var metrics = NewMetrics();
        Assert.Empty((await Scrape.TakeAsync(metrics, ct)).Families["wharf_http_requests_total"].Samples);

        foreach (int code in new[] { 200, 200, 200, 404, 401, 500, 999, 100, 0, -1, 99, 1000, int.MaxValue })
        {
            metrics.RecordHttpRequest(code);
        }

        var s = await Scrape.TakeAsync(metrics, ct);
        var samples = s.Families["wharf_http_requests_total"].Samples;
        Assert.Equal(
            ["100:1", "200:3", "401:1", "404:1", "500:1", "999:1"],
            samples.Select(x => $"{x.Labels["code"]}:{x.Value}"));
    }

    [Fact]
    public async Task Concurrent_events_from_many_threads_lose_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var metrics = NewMetrics();
        const int Threads = 8;
        const int PerThread = 20_000;
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            var up = Transfer(FileActions.Upload, 3);
            var down = Transfer(FileActions.Download, 5, ok: false);
            var login = new LoginEvent(t % 2 == 0 ? "password" : "public_key", true, "u", IPAddress.Loopback);
            start.SignalAndWait(ct);
            for (int i = 0; i < PerThread; i++)
            {
                _events.Raise(up);
                _events.Raise(down);
                _events.Raise(login);
                metrics.RecordHttpRequest(204);
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await Task.WhenAll(workers);

        var s = await Scrape.TakeAsync(metrics, ct);
        const double Total = Threads * PerThread;
        Assert.Equal(Total, s.Value("wharf_uploads_total"));
        Assert.Equal(Total * 3, s.Value("wharf_upload_bytes_total"));
        Assert.Equal(Total, s.Value("wharf_download_errors_total"));
        Assert.Equal(0, s.Value("wharf_downloads_total"));
        Assert.Equal(Total * 5, s.Value("wharf_download_bytes_total"));
        Assert.Equal(Total / 2, s.Value("wharf_logins_total", ("method", "password"), ("result", "success")));
        Assert.Equal(Total / 2, s.Value("wharf_logins_total", ("method", "public_key"), ("result", "success")));
        Assert.Equal(Total, s.Value("wharf_http_requests_total", ("code", "204")));
    }

    [Fact]
    public async Task Dispose_stops_counting_and_other_subscribers_still_run()
    {
        var ct = TestContext.Current.CancellationToken;
        int seen = 0;
        _events.FileAction += _ => seen++;
        var metrics = NewMetrics();
        _events.Raise(Transfer(FileActions.Upload, 10));
        metrics.Dispose();
        _events.Raise(Transfer(FileActions.Upload, 10));
        var s = await Scrape.TakeAsync(metrics, ct);
        Assert.Equal(1, s.Value("wharf_uploads_total"));
        Assert.Equal(10, s.Value("wharf_upload_bytes_total"));
        Assert.Equal(2, seen);
    }

    [Fact]
    public async Task Active_connections_come_from_the_callback_at_scrape_time_and_a_failing_callback_only_drops_that_gauge()
    {
        var ct = TestContext.Current.CancellationToken;
        int connections = 3;
        using var metrics = new WharfMetrics(_events, () => connections, _ => Task.FromResult(true));
        Assert.Equal(3, (await Scrape.TakeAsync(metrics, ct)).Value("wharf_active_connections"));
        connections = 11;
        Assert.Equal(11, (await Scrape.TakeAsync(metrics, ct)).Value("wharf_active_connections"));

        using var broken = new WharfMetrics(_events, () => throw new InvalidOperationException("boom"), _ => Task.FromResult(true));
        var s = await Scrape.TakeAsync(broken, ct);
        Assert.False(s.Families.ContainsKey("wharf_active_connections"));
        Assert.Equal(1, s.Value("wharf_dataprovider_availability"));
    }
}
