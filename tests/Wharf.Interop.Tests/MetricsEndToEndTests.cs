using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Wharf.Server.Tests.Metrics;

namespace Wharf.Interop.Tests;

/// <summary>
/// /metrics of the real `wharf serve`: the whole page passes the strict parser and promtool, it
/// needs admin credentials, and the counters move by exactly what a real OpenSSH sftp session did.
/// </summary>
public sealed class MetricsEndToEndTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wharf-metrics-").FullName;
    private Process? _server;
    private int _sftpPort;
    private int _httpPort;

    private string ConfigDir => Path.Combine(_dir, "config");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        _httpPort = ServeFixture.FreePort();
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), "sftpd:\n  bind_address: 127.0.0.1\n  enabled_ssh_commands: [\"*\"]\n");
        (_server, _sftpPort) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>
        {
            ["WHARF_SFTPD__BIND_PORT"] = "0",
            ["WHARF_HTTPD__BIND_PORT"] = _httpPort.ToString(CultureInfo.InvariantCulture),
            ["WHARF_DEFAULT_ADMIN_USERNAME"] = "ops",
            ["WHARF_DEFAULT_ADMIN_PASSWORD"] = "metrics-admin-pw",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        Directory.Delete(_dir, true);
    }

    private HttpClient Client(bool authenticated)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        if (authenticated)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:metrics-admin-pw")));
        }

        return client;
    }

    private async Task<IReadOnlyDictionary<string, MetricFamily>> ScrapeAsync(HttpClient client)
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await client.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        string page = await response.Content.ReadAsStringAsync(ct);
        var families = ExpositionParser.Parse(page); // throws on the first violation of the format
        await Promtool.AssertAcceptsAsync(page, ct);
        return families;
    }

    private static double Value(IReadOnlyDictionary<string, MetricFamily> page, string name, params (string Key, string Value)[] labels)
    {
        if (!page.TryGetValue(name, out var family))
        {
            return 0;
        }

        var samples = family.Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        return samples.Count == 0 ? 0 : samples.Sum(s => s.Value);
    }

    [Fact]
    public async Task Counters_move_by_exactly_what_a_real_session_did()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = Client(authenticated: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics", ct)).StatusCode);

        var home = Path.Combine(_dir, "homes", "meter");
        var add = await ServeFixture.UserAsync(ConfigDir, "add", "--username", "meter", "--home-dir", home,
            "--public-key", File.ReadAllText(TestKeys.Instance.UserKeyPath("ed25519") + ".pub").Trim());
        Assert.True(add.ExitCode == 0, add.StdOut + add.StdErr);

        using var client = Client(authenticated: true);
        var before = await ScrapeAsync(client);
        Assert.Equal(1, Value(before, "wharf_dataprovider_availability"));

        var local = Directory.CreateDirectory(Path.Combine(_dir, "local")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(local, "up.bin"), RandomNumberGenerator.GetBytes(300_000));
        var r = await OpenSsh.SftpBatchAsync(_sftpPort, "meter", ["put up.bin", "get up.bin down.bin", "-get missing.bin"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var cmd = await OpenSsh.RunAsync(_sftpPort, "meter", "sha256sum up.bin");
        Assert.True(cmd.ExitCode == 0, cmd.StdErr);
        var failed = await OpenSsh.RunAsync(_sftpPort, "meter", "sha256sum no-such-file");
        Assert.NotEqual(0, failed.ExitCode);

        // The log is written when the session ends; give the server a moment to see the close.
        IReadOnlyDictionary<string, MetricFamily> after = before;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            after = await ScrapeAsync(client);
            if (Value(after, "wharf_ssh_command_errors_total") >= Value(before, "wharf_ssh_command_errors_total") + 1)
            {
                break;
            }

            await Task.Delay(200, ct);
        }

        Assert.Equal(1, Value(after, "wharf_uploads_total") - Value(before, "wharf_uploads_total"));
        Assert.Equal(300_000, Value(after, "wharf_upload_bytes_total") - Value(before, "wharf_upload_bytes_total"));
        Assert.Equal(1, Value(after, "wharf_downloads_total") - Value(before, "wharf_downloads_total"));
        Assert.Equal(300_000, Value(after, "wharf_download_bytes_total") - Value(before, "wharf_download_bytes_total"));
        Assert.Equal(0, Value(after, "wharf_upload_errors_total") - Value(before, "wharf_upload_errors_total"));
        Assert.Equal(1, Value(after, "wharf_ssh_commands_total") - Value(before, "wharf_ssh_commands_total"));
        Assert.Equal(1, Value(after, "wharf_ssh_command_errors_total") - Value(before, "wharf_ssh_command_errors_total"));
        Assert.Equal(3, Value(after, "wharf_logins_total", ("method", "public_key"), ("result", "success"))
            - Value(before, "wharf_logins_total", ("method", "public_key"), ("result", "success")));
        Assert.True(Value(after, "wharf_http_requests_total", ("code", "200")) >= 1);
        Assert.True(Value(after, "wharf_http_requests_total", ("code", "401")) >= 1);
        Assert.True(Value(after, "process_resident_memory_bytes") > 10_000_000);
        Assert.True(Value(after, "process_open_fds") > 0);
    }
}
