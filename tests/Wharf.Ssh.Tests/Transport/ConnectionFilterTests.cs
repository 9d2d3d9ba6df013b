using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Transport;

public sealed class ConnectionFilterTests
{
    private static async Task<int> ReadUntilClosedAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var buffer = new byte[256];
        int total = 0;
        int n;
        while ((n = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))) > 0)
        {
            total += n;
        }

        return total;
    }

    [Fact]
    public async Task AFilteredConnectionGetsNoBytesNotEvenTheVersionLine()
    {
        await using var server = new TestServer();
        var asked = new ConcurrentQueue<IPEndPoint>();
        bool refuse = true;
        int started = 0;
        server.Server.SessionStarted += _ => Interlocked.Increment(ref started);
        server.Server.ConnectionFilter = remote =>
        {
            asked.Enqueue(remote);
            return !Volatile.Read(ref refuse);
        };
        server.StartTcp();

        Assert.Equal(0, await ReadUntilClosedAsync(server.Port));
        Assert.True(asked.TryDequeue(out var seen));
        Assert.Equal(IPAddress.Loopback, seen.Address);
        Assert.NotEqual(0, seen.Port);
        Assert.Equal(0, Volatile.Read(ref started)); // no session, no SessionStarted/SessionEnded

        // Let through: the same listener speaks SSH.
        Volatile.Write(ref refuse, false);
        await using var c = await SshTestClient.ConnectTcpAsync(server.Port);
        await c.HandshakeAsync();
        Assert.StartsWith("SSH-2.0-", c.ServerVersion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFilterThatThrowsAdmitsTheConnection()
    {
        await using var server = new TestServer();
        server.Server.ConnectionFilter = _ => throw new InvalidOperationException("broken filter");
        server.StartTcp();
        await using var c = await SshTestClient.ConnectTcpAsync(server.Port);
        await c.HandshakeAsync();
    }

    [Fact]
    public async Task ConnectionRefusedNamesTheSourceAndTheReason()
    {
        await using var server = new TestServer(o => o.MaxConnectionsPerAddress = 1);
        var refused = new TaskCompletionSource<(IPEndPoint, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Server.ConnectionRefused += (remote, reason) => refused.TrySetResult((remote, reason));
        server.StartTcp();
        // Authenticating (one failed attempt), so the newcomer cannot displace it and is refused.
        await using var a = await SshTestClient.ConnectTcpAsync(server.Port);
        await a.HandshakeAsync();
        await a.PasswordAsync("u", "wrong");

        Assert.Equal(0, await ReadUntilClosedAsync(server.Port));
        var (endPoint, why) = await refused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        Assert.Equal("connection limit", why);
    }

    [Fact]
    public async Task AFilteredConnectionDoesNotRaiseConnectionRefusedNorTakeASlot()
    {
        await using var server = new TestServer(o => o.MaxConnectionsPerAddress = 1);
        int refusedCount = 0;
        server.Server.ConnectionRefused += (_, _) => Interlocked.Increment(ref refusedCount);
        int calls = 0;
        server.Server.ConnectionFilter = _ => Interlocked.Increment(ref calls) > 3;
        server.StartTcp();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, await ReadUntilClosedAsync(server.Port));
        }

        await using var c = await SshTestClient.ConnectTcpAsync(server.Port);
        await c.HandshakeAsync(); // the one per-address slot is free: the dropped ones never took it
        Assert.Equal(0, Volatile.Read(ref refusedCount));
    }
}
