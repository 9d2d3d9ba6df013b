using System.Net;
using System.Net.Sockets;
using System.Text;
using static Wharf.Server.Tests.Http.HttpTestHost;

namespace Wharf.Server.Tests.Http;

public sealed class ConnectionApiTests
{
    [Fact]
    public async Task A_real_connection_is_listed_and_closed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await StartAsync(ct: ct);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, h.SshPort, ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("SSH-2.0-ApiTest_1.0\r\n"), ct);
        var buffer = new byte[4096];
        Assert.True(await stream.ReadAsync(buffer, ct) > 0); // the server's identification

        System.Text.Json.JsonElement connection = default;
        for (int i = 0; i < 100 && connection.ValueKind == System.Text.Json.JsonValueKind.Undefined; i++)
        {
            var list = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/connections", ct), ct);
            connection = list.EnumerateArray().FirstOrDefault(c => c.GetProperty("client_version").GetString()!.Contains("ApiTest_1.0", StringComparison.Ordinal));
            if (connection.ValueKind == System.Text.Json.JsonValueKind.Undefined)
            {
                await Task.Delay(50, ct);
            }
        }

        Assert.NotEqual(System.Text.Json.JsonValueKind.Undefined, connection.ValueKind);
        Assert.Equal("SSH", connection.GetProperty("protocol").GetString());
        Assert.StartsWith("127.0.0.1:", connection.GetProperty("remote_address").GetString(), StringComparison.Ordinal);
        Assert.True(connection.GetProperty("connection_time").GetInt64() > 0);
        var health = await ReadJsonAsync(await h.Client.GetAsync("/api/v1/health", ct), ct);
        Assert.Equal(1, health.GetProperty("active_connections").GetInt32());

        string id = connection.GetProperty("connection_id").GetString()!;
        using var close = await h.Client.DeleteAsync("/api/v1/connections/" + id, ct);
        Assert.Equal(HttpStatusCode.NoContent, close.StatusCode);

        // The server hangs up: the socket reaches end of stream (after any disconnect message).
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // reset: closed as well
        }

        Assert.False(timeout.IsCancellationRequested, "the connection was not closed");

        // The session leaves the list once its teardown has run, which may be just after the socket closes.
        for (int i = 0; i < 100 && (await ReadJsonAsync(await h.Client.GetAsync("/api/v1/connections", ct), ct)).GetArrayLength() > 0; i++)
        {
            await Task.Delay(50, ct);
        }

        Assert.Equal(0, (await ReadJsonAsync(await h.Client.GetAsync("/api/v1/connections", ct), ct)).GetArrayLength());
        await AssertProblemAsync(await h.Client.DeleteAsync("/api/v1/connections/" + id, ct), HttpStatusCode.NotFound, null, ct);
    }
}
