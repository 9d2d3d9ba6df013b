using System.Globalization;

namespace Wharf.Interop.Tests;

/// <summary>bind_address takes a host name as well as an IP address (the validator accepts both).</summary>
public sealed class BindAddressTests
{
    [Fact]
    public async Task Host_names_are_resolved_for_sftpd_and_httpd()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("wharf-bind-").FullName;
        int httpPort = ServeFixture.FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "wharf.yaml"), $"sftpd:\n  bind_address: localhost\nhttpd:\n  bind_address: localhost\n  bind_port: {httpPort}\n", ct);
        var (server, sftpPort) = await ServeFixture.StartServeAsync(dir, new Dictionary<string, string>
        {
            ["WHARF_SFTPD__BIND_PORT"] = "0",
            ["WHARF_HTTPD__BIND_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
        });
        try
        {
            using var client = new HttpClient();
            Assert.Equal("ok\n", await client.GetStringAsync($"http://127.0.0.1:{httpPort}/healthz", ct));
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync("127.0.0.1", sftpPort, ct);
            var banner = new byte[4];
            await tcp.GetStream().ReadExactlyAsync(banner, ct);
            Assert.Equal("SSH-"u8.ToArray(), banner);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(ct);
            Directory.Delete(dir, true);
        }
    }
}
