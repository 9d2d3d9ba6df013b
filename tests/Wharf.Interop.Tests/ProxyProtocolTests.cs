using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Wharf.Interop.Tests;

/// <summary>
/// `wharf serve` with <c>common.proxy_protocol: 2</c> (set through the environment) behind a
/// real HAProxy in TCP mode: one frontend whose backend sends PROXY v1 (<c>send-proxy</c>), one
/// v2 (<c>send-proxy-v2</c>), both connecting to Wharf from the allowed 127.0.0.1, and one
/// that connects from 127.0.0.3, which is not allowed. Clients connect to HAProxy from
/// 127.0.0.2, so the address Wharf sees tells the balancer and the client apart.
/// </summary>
public sealed class ProxyProtocolFixture : IAsyncLifetime
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "wharf-proxy-" + Guid.NewGuid().ToString("N")[..8]);

    public string ConfigDir => Path.Combine(Dir, "config");

    /// <summary>Wharf's own port (reached directly only by the tests that bypass HAProxy).</summary>
    public int WharfPort { get; private set; }

    public int SendProxyV1Port { get; private set; }

    public int SendProxyV2Port { get; private set; }

    public int UntrustedPort { get; private set; }

    public string Home => Path.Combine(Dir, "homes", "proxied");

    private Process _wharf = null!;
    private Process? _haproxy;

    public string Log => File.Exists(Path.Combine(ConfigDir, "wharf.log")) ? File.ReadAllText(Path.Combine(ConfigDir, "wharf.log")) : "";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists("/usr/sbin/haproxy"))
        {
            throw new InvalidOperationException("haproxy is not installed: run scripts/install-test-deps.sh");
        }

        Directory.CreateDirectory(ConfigDir);
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), """
            sftpd:
              bind_address: 127.0.0.1
            data_provider:
              driver: sqlite
              name: wharf.db
            """);
        (_wharf, WharfPort) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>
        {
            ["WHARF_SFTPD__BIND_PORT"] = "0",
            ["WHARF_COMMON__PROXY_PROTOCOL"] = "2",
            ["WHARF_COMMON__PROXY_ALLOWED"] = "127.0.0.1",
        });

        // The user may log in only from 127.0.0.2: a login through HAProxy (which connects
        // from 127.0.0.1) succeeds only if Wharf takes the client's address from the header.
        var pub = File.ReadAllText(TestKeys.Instance.UserKeyPath("ed25519") + ".pub").Trim();
        var add = await ServeFixture.UserAsync(ConfigDir, "add", "--username", "proxied", "--home-dir", Home, "--public-key", pub, "--allowed-ip", "127.0.0.2/32");
        Assert.True(add.ExitCode == 0, add.StdOut + add.StdErr);

        SendProxyV1Port = ServeFixture.FreePort();
        SendProxyV2Port = ServeFixture.FreePort();
        UntrustedPort = ServeFixture.FreePort();
        var config = Path.Combine(Dir, "haproxy.cfg");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            global
              maxconn 200

            defaults
              mode tcp
              timeout connect 5s
              timeout client 120s
              timeout server 120s

            frontend v1
              bind 127.0.0.1:{SendProxyV1Port}
              default_backend v1
            backend v1
              server s1 127.0.0.1:{WharfPort} send-proxy source 127.0.0.1

            frontend v2
              bind 127.0.0.1:{SendProxyV2Port}
              default_backend v2
            backend v2
              server s2 127.0.0.1:{WharfPort} send-proxy-v2 source 127.0.0.1

            frontend untrusted
              bind 127.0.0.1:{UntrustedPort}
              default_backend untrusted
            backend untrusted
              server s3 127.0.0.1:{WharfPort} send-proxy-v2 source 127.0.0.3

            """));
        var psi = new ProcessStartInfo("/usr/sbin/haproxy") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-db", "-f", config })
        {
            psi.ArgumentList.Add(a); // -db: foreground, no daemon
        }

        _haproxy = Process.Start(psi)!;
        _ = _haproxy.StandardOutput.ReadToEndAsync();
        var stderr = _haproxy.StandardError.ReadToEndAsync();
        foreach (var port in new[] { SendProxyV1Port, SendProxyV2Port, UntrustedPort })
        {
            await WaitListeningAsync(port, stderr);
        }
    }

    private async Task WaitListeningAsync(int port, Task<string> stderr)
    {
        for (int i = 0; i < 200; i++)
        {
            if (_haproxy!.HasExited)
            {
                throw new InvalidOperationException("haproxy exited: " + await stderr);
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"haproxy does not listen on {port}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in new[] { _haproxy, _wharf })
        {
            if (p is { HasExited: false })
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
            }
        }

        Directory.Delete(Dir, true);
    }
}

public sealed class ProxyProtocolTests(ProxyProtocolFixture f) : IClassFixture<ProxyProtocolFixture>
{
    private static readonly string[] FromClientAddress = ["BindAddress=127.0.0.2"];

    private string Local(string name)
    {
        var d = Path.Combine(f.Dir, "local-" + name);
        Directory.CreateDirectory(d);
        return d;
    }

    private async Task<string> WaitForLogAsync(string text)
    {
        for (int i = 0; i < 100 && !f.Log.Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }

        return f.Log;
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task SftpThroughHaproxyIsSeenFromTheRealClient(string version)
    {
        int port = version == "v1" ? f.SendProxyV1Port : f.SendProxyV2Port;
        var local = Local(version);
        var data = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(local, "up.bin"), data);
        var r = await OpenSsh.SftpBatchAsync(port, "proxied", ["put up.bin up-" + version + ".bin", "get up-" + version + ".bin down.bin"],
            options: FromClientAddress, workingDirectory: local);

        // The user may log in from 127.0.0.2 only; HAProxy itself is 127.0.0.1.
        Assert.True(r.ExitCode == 0, r.StdErr + f.Log);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(f.Home, "up-" + version + ".bin")));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(local, "down.bin")));
    }

    [Fact]
    public async Task AFailedLoginThroughHaproxyIsLoggedWithTheRealClient()
    {
        // A password attempt (a public key query for an unknown user is not a failed login).
        var r = await OpenSsh.RunAsync(f.SendProxyV2Port, "nobody-here", "true", options: [.. FromClientAddress, "NumberOfPasswordPrompts=1"], password: "wrong");
        Assert.NotEqual(0, r.ExitCode);
        var log = await WaitForLogAsync("login failed for nobody-here");
        var line = log.Split('\n').First(l => l.Contains("login failed for nobody-here", StringComparison.Ordinal));
        Assert.Contains("\"client_ip\":\"127.0.0.2\"", line);
    }

    [Fact]
    public async Task AHeaderFromASourceThatIsNotAllowedIsRefused()
    {
        // HAProxy's third backend connects to Wharf from 127.0.0.3, which is not in proxy_allowed.
        var r = await OpenSsh.SftpBatchAsync(f.UntrustedPort, "proxied", ["ls"], options: FromClientAddress);
        Assert.NotEqual(0, r.ExitCode);
        var log = await WaitForLogAsync("connection from 127.0.0.3:");
        Assert.Contains(log.Split('\n'), l => l.Contains("connection from 127.0.0.3:", StringComparison.Ordinal) && l.Contains("refused", StringComparison.Ordinal));

        // The same from a client of our own: a well-formed header, sent straight from 127.0.0.3.
        using var tcp = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        await tcp.ConnectAsync(IPAddress.Loopback, f.WharfPort);
        await tcp.GetStream().WriteAsync("PROXY TCP4 127.0.0.2 127.0.0.1 40000 22\r\nSSH-2.0-x\r\n"u8.ToArray());
        Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[64]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ADirectConnectionWithoutAHeaderIsRefused()
    {
        // From the allowed address itself, but without a header: proxy_protocol 2 requires one.
        var r = await OpenSsh.SftpBatchAsync(f.WharfPort, "proxied", ["ls"]);
        Assert.NotEqual(0, r.ExitCode);
        var log = await WaitForLogAsync("refused: no PROXY header");
        Assert.Contains(log.Split('\n'), l => l.Contains("connection from 127.0.0.1:", StringComparison.Ordinal) && l.Contains("refused: no PROXY header", StringComparison.Ordinal));
    }
}
