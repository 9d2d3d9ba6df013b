using System.Net.Sockets;
using System.Text;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Transport;

public sealed class VersionExchangeTests
{
    /// <summary>Sends raw bytes and returns everything the server wrote before closing.</summary>
    private static async Task<string> RawExchangeAsync(TestServer server, byte[] send)
    {
        var (a, b) = DuplexStream.CreatePair();
        var session = server.Server.HandleConnectionAsync(b);
        await a.WriteAsync(send);
        var ms = new MemoryStream();
        await a.CopyToAsync(ms).WaitAsync(TimeSpan.FromSeconds(10));
        await session.WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(ms.ToArray());
    }

    [Fact]
    public async Task ServerIdentifiesItself()
    {
        await using var server = new TestServer(o => o.SoftwareVersion = "Wharf_Test");
        await using var c = server.ConnectInMemory(out _);
        await c.SendVersionAsync();
        Assert.Equal("SSH-2.0-Wharf_Test", c.ServerVersion);
    }

    [Fact]
    public async Task GarbageInsteadOfVersionIsRejected()
    {
        await using var server = new TestServer();
        var text = await RawExchangeAsync(server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.StartsWith("SSH-2.0-", text);
        Assert.Contains("Invalid SSH identification string.", text);
    }

    [Fact]
    public async Task OverlongVersionLineIsRejected()
    {
        await using var server = new TestServer();
        var text = await RawExchangeAsync(server, Encoding.ASCII.GetBytes(new string('A', 400)));
        Assert.Contains("line too long", text);
    }

    [Fact]
    public async Task OverlongSshLineIsRejected()
    {
        await using var server = new TestServer();
        var text = await RawExchangeAsync(server, Encoding.ASCII.GetBytes("SSH-2.0-" + new string('x', 300) + "\r\n"));
        Assert.Contains("line too long", text);
    }

    [Fact]
    public async Task SshVersion1IsRejected()
    {
        await using var server = new TestServer();
        var text = await RawExchangeAsync(server, "SSH-1.5-OldClient\r\n"u8.ToArray());
        Assert.Contains("Protocol major versions differ", text);
    }

    [Fact]
    public async Task ControlCharactersInVersionAreRejected()
    {
        await using var server = new TestServer();
        var text = await RawExchangeAsync(server, "SSH-2.0-bad\u0001name\r\n"u8.ToArray());
        Assert.Contains("Invalid SSH identification string.", text);
    }

    [Fact]
    public async Task BareLineFeedAndSsh199AreAccepted()
    {
        await using var server = new TestServer();
        await using (var c = server.ConnectInMemory(out _))
        {
            await c.SendVersionAsync("SSH-2.0-lf-only\n");
            await c.KeyExchangeAsync(first: true);
        }

        await using (var c = server.ConnectInMemory(out _))
        {
            await c.SendVersionAsync("SSH-1.99-compat\r\n");
            await c.KeyExchangeAsync(first: true);
        }
    }

    [Fact]
    public async Task ListenerKeepsServingAfterBadClients()
    {
        await using var server = new TestServer();
        server.StartTcp();
        for (int i = 0; i < 5; i++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, server.Port);
            await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(new string('\0', 1000)));
        }

        await using var good = await SshTestClient.ConnectTcpAsync(server.Port);
        await good.HandshakeAsync();
        Assert.Equal(Wharf.Ssh.Messages.SshMessageNumber.UserAuthSuccess, (await good.PasswordAsync("u", "p"))[0]);
    }
}

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task ConnectionsPerAddressAreBounded()
    {
        await using var server = new TestServer(o => o.MaxConnectionsPerAddress = 2);
        server.StartTcp();

        // Two connections authenticating (so not idle: a newcomer cannot displace them).
        await using var a = await SshTestClient.ConnectTcpAsync(server.Port);
        await a.HandshakeAsync();
        Assert.Equal(Wharf.Ssh.Messages.SshMessageNumber.UserAuthFailure, (await a.PasswordAsync("u", "wrong"))[0]);
        await using var b = await SshTestClient.ConnectTcpAsync(server.Port);
        await b.HandshakeAsync();
        Assert.Equal(Wharf.Ssh.Messages.SshMessageNumber.UserAuthFailure, (await b.PasswordAsync("u", "wrong"))[0]);

        // The third is closed before the server says anything.
        using var third = new TcpClient();
        await third.ConnectAsync(System.Net.IPAddress.Loopback, server.Port);
        var buffer = new byte[64];
        int n = await third.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, n);

        // Once one leaves, a new one is admitted.
        await a.DisposeAsync();
        await Task.Delay(300);
        await using var d = await SshTestClient.ConnectTcpAsync(server.Port);
        await d.HandshakeAsync();
    }
}
