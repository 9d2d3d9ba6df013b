using System.Diagnostics;
using System.Net;
using System.Text;
using Wharf.Server.Events;
using Wharf.Server.Metrics;

namespace Wharf.Server.Tests.Metrics;

/// <summary>The whole page: strictly valid, accepted by promtool, and carrying every promised family.</summary>
public sealed class MetricsPageTests
{
    /// <summary>Every family of the page and its type (docs/metrics.md lists the same).</summary>
    public static readonly Dictionary<string, string> Expected = new()
    {
        ["wharf_build_info"] = "gauge",
        ["wharf_active_connections"] = "gauge",
        ["wharf_dataprovider_availability"] = "gauge",
        ["wharf_uploads_total"] = "counter",
        ["wharf_upload_errors_total"] = "counter",
        ["wharf_upload_bytes_total"] = "counter",
        ["wharf_downloads_total"] = "counter",
        ["wharf_download_errors_total"] = "counter",
        ["wharf_download_bytes_total"] = "counter",
        ["wharf_ssh_commands_total"] = "counter",
        ["wharf_ssh_command_errors_total"] = "counter",
        ["wharf_logins_total"] = "counter",
        ["wharf_http_requests_total"] = "counter",
        ["wharf_defender_bans_total"] = "counter",
        ["wharf_defender_banned_hosts"] = "gauge",
        ["wharf_defender_dropped_connections_total"] = "counter",
        ["wharf_rate_limited_total"] = "counter",
        ["process_cpu_seconds_total"] = "counter",
        ["process_resident_memory_bytes"] = "gauge",
        ["process_virtual_memory_bytes"] = "gauge",
        ["process_start_time_seconds"] = "gauge",
        ["process_open_fds"] = "gauge",
        ["process_max_fds"] = "gauge",
        ["process_num_threads"] = "gauge",
        ["dotnet_gc_collections_total"] = "counter",
        ["dotnet_gc_heap_size_bytes"] = "gauge",
        ["dotnet_gc_committed_bytes"] = "gauge",
        ["dotnet_gc_allocated_bytes_total"] = "counter",
        ["dotnet_gc_pause_seconds_total"] = "counter",
        ["dotnet_threadpool_threads"] = "gauge",
        ["dotnet_threadpool_queue_length"] = "gauge",
        ["dotnet_threadpool_completed_items_total"] = "counter",
    };

    /// <summary>A page with every labelled family populated, so the checks see real label sets.</summary>
    private static async Task<(WharfMetrics Metrics, ServerEvents Events)> BusyAsync()
    {
        var events = new ServerEvents();
        var defender = new Wharf.Server.Defense.MemoryHostDefender(new Wharf.Server.Defense.DefenderOptions { Threshold = 3 });
        var limiters = new Wharf.Server.Defense.RateLimiters([new Wharf.Server.Configuration.RateLimiterConfig { Average = 1, Protocols = ["SSH"] }], defender);
        var metrics = new WharfMetrics(events, () => 2, _ => Task.FromResult(true)) { Defender = defender, RateLimiters = limiters };
        var banned = IPAddress.Parse("192.0.2.1");
        defender.AddEvent(banned, Wharf.Server.Defense.HostEvent.LimitExceeded);
        defender.IsBanned(banned);
        defender.IsBanned(banned);
        limiters.AllowConnection(IPAddress.Parse("192.0.2.2"));
        limiters.AllowConnection(IPAddress.Parse("192.0.2.2"));
        events.Raise(new FileActionEvent { Action = FileActions.Upload, Username = "u", Bytes = 10 });
        events.Raise(new FileActionEvent { Action = FileActions.Download, Username = "u", Bytes = 20, Succeeded = false });
        events.Raise(new FileActionEvent { Action = FileActions.SshCommand, Username = "u", SshCommand = "pwd" });
        events.Raise(new LoginEvent("password", true, "u", IPAddress.Loopback));
        events.Raise(new LoginEvent("hostbased", false, "u", IPAddress.Loopback));
        metrics.RecordHttpRequest(200);
        metrics.RecordHttpRequest(401);
        await Task.Yield();
        return (metrics, events);
    }

    [Fact]
    public async Task The_page_is_strictly_valid_and_has_exactly_the_documented_families()
    {
        var (metrics, _) = await BusyAsync();
        using var _m = metrics;
        var s = await Scrape.TakeAsync(metrics, TestContext.Current.CancellationToken);
        Assert.Equal(Expected.OrderBy(e => e.Key), s.Families.ToDictionary(f => f.Key, f => f.Value.Type!).OrderBy(e => e.Key));
        foreach (var family in s.Families.Values.Where(f => f.Name != "wharf_http_requests_total"))
        {
            Assert.NotEmpty(family.Samples);
        }

        Assert.Equal(2, s.Value("wharf_active_connections"));
        Assert.Equal(1, s.Value("wharf_defender_bans_total"));
        Assert.Equal(1, s.Value("wharf_defender_banned_hosts"));
        Assert.Equal(2, s.Value("wharf_defender_dropped_connections_total"));
        Assert.Equal(1, s.Families["wharf_rate_limited_total"].Samples.Single(x => x.Labels["limited"] == "connect").Value);
        Assert.Equal(0, s.Families["wharf_rate_limited_total"].Samples.Single(x => x.Labels["limited"] == "login").Value);
        Assert.Equal(1, s.Value("wharf_dataprovider_availability"));
        var build = Assert.Single(s.Families["wharf_build_info"].Samples);
        Assert.Equal(1, build.Value);
        Assert.Matches(@"^\d+\.\d+\.\d+", build.Labels["version"]);
        Assert.Equal(Environment.Version.ToString(), build.Labels["dotnet_version"]);
    }

    [Fact]
    public async Task Promtool_accepts_the_page_without_lint_complaints()
    {
        var (metrics, _) = await BusyAsync();
        using var _m = metrics;
        var ct = TestContext.Current.CancellationToken;
        await Promtool.AssertAcceptsAsync(await metrics.RenderAsync(ct), ct);
    }

    [Fact]
    public async Task WriteAsync_writes_the_page_as_utf8_and_the_content_type_is_the_0_0_4_text_format()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", WharfMetrics.ContentType);
        var (metrics, _) = await BusyAsync();
        using var _m = metrics;
        using var body = new MemoryStream();
        await metrics.WriteAsync(body, TestContext.Current.CancellationToken);
        var bytes = body.ToArray();
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble), "no byte order mark");
        var families = ExpositionParser.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
        Assert.Equal(Expected.Keys.Order(), families.Keys.Order());
    }

    [Fact]
    public async Task Process_and_runtime_figures_describe_this_process()
    {
        using var metrics = new WharfMetrics(new ServerEvents(), () => 0, _ => Task.FromResult(true));
        var ct = TestContext.Current.CancellationToken;
        var first = await Scrape.TakeAsync(metrics, ct);

        // Burn some CPU and allocate, then the counters must have moved.
        var junk = new List<byte[]>();
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 200)
        {
            junk.Add(new byte[1024]);
            if (junk.Count > 1000) junk.Clear();
        }

        var second = await Scrape.TakeAsync(metrics, ct);
        GC.KeepAlive(junk);

        Assert.True(second.Value("process_cpu_seconds_total") > first.Value("process_cpu_seconds_total"));
        Assert.True(second.Value("dotnet_gc_allocated_bytes_total") - first.Value("dotnet_gc_allocated_bytes_total") >= 1000 * 1024);

        using var self = Process.GetCurrentProcess();
        double start = second.Value("process_start_time_seconds");
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(start, now - (DateTime.Now - self.StartTime).TotalSeconds - 2, now);
        Assert.InRange(second.Value("process_resident_memory_bytes"), 1 << 20, second.Value("process_virtual_memory_bytes"));

        // Opening descriptors shows in process_open_fds; the soft limit is the one the kernel reports.
        // Tests running in parallel open and close descriptors of their own meanwhile (a CI run
        // saw two fewer), so 200 are opened and 150 must show.
        double fdsBefore = second.Value("process_open_fds");
        var files = Enumerable.Range(0, 200).Select(_ => File.OpenRead("/proc/self/status")).ToList();
        try
        {
            var third = await Scrape.TakeAsync(metrics, ct);
            Assert.True(third.Value("process_open_fds") >= fdsBefore + 150, $"{third.Value("process_open_fds")} < {fdsBefore} + 150");
            Assert.InRange(third.Value("process_open_fds"), 1, third.Value("process_max_fds"));
            string limits = File.ReadAllText("/proc/self/limits");
            string softLimit = limits.Split('\n').Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
            Assert.Equal(double.Parse(softLimit, System.Globalization.CultureInfo.InvariantCulture), third.Value("process_max_fds"));
        }
        finally
        {
            files.ForEach(f => f.Dispose());
        }

        Assert.InRange(second.Value("process_num_threads"), Math.Max(1, second.Value("dotnet_threadpool_threads")), 10_000);
        Assert.Equal(GC.MaxGeneration + 1, second.Families["dotnet_gc_collections_total"].Samples.Count);
        Assert.True(second.Value("dotnet_gc_collections_total", ("generation", "0")) >= second.Value("dotnet_gc_collections_total", ("generation", "2")));
    }
}
