using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Wharf.Server.Tests.Metrics;

namespace Wharf.Interop.Tests;

/// <summary>
/// The defender in the real `wharf serve`: wrong passwords from paramiko get 127.0.0.1 banned,
/// the next connection is closed without a version line, the REST API lists and unbans the host,
/// a right password then works, and the metrics and log show the ban.
/// </summary>
public sealed class DefenderEndToEndTests : IAsyncLifetime
{
    private const string Password = "defender-Pw-1";
    private readonly string _dir = Directory.CreateTempSubdirectory("wharf-defender-").FullName;
    private Process? _server;
    private int _sftpPort;
    private int _httpPort;

    private string ConfigDir => Path.Combine(_dir, "config");

    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "scripts", "paramiko_exec.py");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        _httpPort = ServeFixture.FreePort();
        // SFTPGo's option names; a low threshold so three wrong passwords ban.
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.json"), """
            {"common": {"defender": {"enabled": true, "driver": "memory", "threshold": 3, "score_valid": 1, "score_invalid": 2, "score_limit_exceeded": 2, "ban_time": 30}},
             "sftpd": {"bind_address": "127.0.0.1"}}
            """);
        var add = await ServeFixture.UserAsync(ConfigDir, "add", "--username", "dee", "--password", Password, "--home-dir", Path.Combine(_dir, "homes", "dee"));
        Assert.True(add.ExitCode == 0, add.StdOut + add.StdErr);
        (_server, _sftpPort) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>
        {
            ["WHARF_SFTPD__BIND_PORT"] = "0",
            ["WHARF_COMMON__DEFENDER__ENABLED"] = "true", // StartServeAsync turns it off for other tests
            ["WHARF_HTTPD__BIND_PORT"] = _httpPort.ToString(CultureInfo.InvariantCulture),
            ["WHARF_DEFAULT_ADMIN_USERNAME"] = "ops",
            ["WHARF_DEFAULT_ADMIN_PASSWORD"] = "defender-admin-pw",
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

    /// <summary>A client with an admin bearer token (HTTP Basic is only for /api/v1/token and /metrics).</summary>
    private async Task<HttpClient> ClientAsync()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:defender-admin-pw")));
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
        return client;
    }

    private Task<ProcessRunner.Result> ParamikoAsync(string password) =>
        ProcessRunner.RunAsync(Python, [Script, _sftpPort.ToString(CultureInfo.InvariantCulture), "dee", "password:" + password, "pwd"]);

    /// <summary>Connects and returns what the server sent before closing (or up to the first line).</summary>
    private async Task<string> FirstBytesAsync()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _sftpPort);
        var buffer = new byte[256];
        int n = await tcp.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(buffer, 0, n);
    }

    private static double Value(IReadOnlyDictionary<string, MetricFamily> page, string name) =>
        page.TryGetValue(name, out var family) ? family.Samples.Where(s => s.Name == name).Sum(s => s.Value) : -1;

    [Fact]
    public async Task Wrong_passwords_ban_the_source_until_an_admin_unbans_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = await ClientAsync();
        Assert.StartsWith("SSH-2.0-", await FirstBytesAsync(), StringComparison.Ordinal); // not banned: the version line
        Assert.Equal("[]", await http.GetStringAsync("/api/v2/defender/hosts", ct));

        for (int i = 0; i < 3; i++)
        {
            var wrong = await ParamikoAsync("not-the-password");
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("Authentication failed", wrong.StdErr);
        }

        // Banned: closed at once, not a byte, not even the version line.
        Assert.Equal("", await FirstBytesAsync());
        var right = await ParamikoAsync(Password);
        Assert.NotEqual(0, right.ExitCode); // even the right password cannot get in

        string id = Convert.ToHexStringLower(Encoding.UTF8.GetBytes("127.0.0.1"));
        foreach (var path in new[] { "/api/v2/defender/hosts", "/api/v1/defender/hosts" })
        {
            using var list = JsonDocument.Parse(await http.GetStringAsync(path, ct));
            var host = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal(id, host.GetProperty("id").GetString());
            Assert.Equal("127.0.0.1", host.GetProperty("ip").GetString());
            var until = DateTimeOffset.Parse(host.GetProperty("ban_time").GetString()!, CultureInfo.InvariantCulture);
            Assert.InRange(until, DateTimeOffset.UtcNow.AddMinutes(29), DateTimeOffset.UtcNow.AddMinutes(30 + 15 * 3 + 1));
        }

        using (var one = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/defender/hosts/{id}", ct)))
        {
            Assert.Equal("127.0.0.1", one.RootElement.GetProperty("ip").GetString());
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/v1/defender/hosts/zz", ct)).StatusCode);

        var page = ExpositionParser.Parse(await http.GetStringAsync("/metrics", ct));
        Assert.Equal(1, Value(page, "wharf_defender_bans_total"));
        Assert.Equal(1, Value(page, "wharf_defender_banned_hosts"));
        Assert.True(Value(page, "wharf_defender_dropped_connections_total") >= 2);

        var log = await File.ReadAllLinesAsync(Path.Combine(ConfigDir, "wharf.log"), ct);
        var ban = log.Select(l => JsonDocument.Parse(l).RootElement).Single(l => l.GetProperty("sender").GetString() == "defender" && l.TryGetProperty("event", out var e) && e.GetString() == "banned");
        Assert.Equal("127.0.0.1", ban.GetProperty("client_ip").GetString());
        Assert.Equal(3, ban.GetProperty("score").GetInt32());
        Assert.Equal(1800, ban.GetProperty("ban_duration_seconds").GetInt64());
        Assert.Equal(1, ban.GetProperty("offences").GetInt32());

        // Unban through SFTPGo's path and answer; the right password works again.
        var deleted = await http.DeleteAsync($"/api/v2/defender/hosts/{id}", ct);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Contains("\"message\":\"OK\"", await deleted.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/v1/defender/hosts/{id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"/api/v1/defender/hosts/{id}", ct)).StatusCode);
        Assert.StartsWith("SSH-2.0-", await FirstBytesAsync(), StringComparison.Ordinal);
        var again = await ParamikoAsync(Password);
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains("exit=0", again.StdOut);

        page = ExpositionParser.Parse(await http.GetStringAsync("/metrics", ct));
        Assert.Equal(0, Value(page, "wharf_defender_banned_hosts"));
        Assert.Contains(File.ReadAllLines(Path.Combine(ConfigDir, "wharf.log")), l => l.Contains("\"event\":\"unbanned\"", StringComparison.Ordinal));
    }
}
