using System.Net;
using System.Net.Sockets;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Hosting;
using Wharf.Server.Http;
using Wharf.Server.Logging;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Tests.Http;

public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_is_503_when_the_database_does_not_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        // A PostgreSQL provider pointed at a port nobody listens on: refused at once, never hung.
        var config = new WharfConfig();
        config.DataProvider.Driver = "postgresql";
        config.DataProvider.Host = "127.0.0.1";
        config.DataProvider.Port = closedPort;
        config.DataProvider.Name = "wharf";
        config.DataProvider.Username = "wharf";
        await using var provider = DataProviderFactory.Create(config.DataProvider, Path.GetTempPath());
        using var log = new JsonLineLog(null, console: false);
        await using var service = new WharfService(new ServeSettings { HostKeys = [Ed25519PrivateKey.Generate()], BindAddress = IPAddress.Loopback, BindPort = 0 }, provider, log);
        await using var http = new HttpService(new HttpDependencies
        {
            Service = service,
            Users = new UserService(provider, config.DataProvider),
            Admins = new AdminService(provider),
            Log = log,
            Config = config,
        }, IPAddress.Loopback, 0);
        await http.StartAsync(ct);
        using var client = new HttpClient { BaseAddress = http.Address };
        using var response = await client.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("data provider unavailable\n", await response.Content.ReadAsStringAsync(ct));

        // No admin can be read either: the token route says so (503, retry later), it does not crash.
        using var token = new HttpRequestMessage(HttpMethod.Get, "/api/v1/token");
        token.Headers.Authorization = HttpTestHost.Basic("admin", "admin-password-1");
        using var refused = await client.SendAsync(token, ct);
        await HttpTestHost.AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, null, ct);
    }
}
