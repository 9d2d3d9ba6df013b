using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh.Tests.Transport;

/// <summary>
/// OpenSSH's client (no TCP_NODELAY) sends NEWKEYS and SERVICE_REQUEST as two small writes; Nagle
/// holds the second until the first is acknowledged, and a server in delayed-ACK mode answered
/// 40 ms later: every connection stalled once in the key exchange.
/// </summary>
public sealed class QuickAckNetworkStreamTests
{
    private static async Task<double> SecondSmallWriteDelayMsAsync(Func<Socket, Stream> wrap, CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = false };
        await client.ConnectAsync(listener.LocalEndPoint!, ct);
        using var accepted = await listener.AcceptAsync(ct);
        accepted.NoDelay = true;
        await using var server = wrap(accepted);
        var buffer = new byte[4096];

        // A few request/answer rounds, as the version exchange and KEXINIT/ECDH do: the server's
        // kernel goes into interactive (delayed-ACK) mode.
        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync(new byte[100], ct);
            await ReadExactlyAsync(server, buffer, 100, ct);
            await server.WriteAsync(new byte[600], ct);
            int got = 0;
            while (got < 600)
            {
                got += await client.ReceiveAsync(buffer.AsMemory(0, 600 - got), ct);
            }
        }

        // NEWKEYS (16 bytes) then SERVICE_REQUEST (44 bytes), back to back.
        var sw = Stopwatch.StartNew();
        await client.SendAsync(new byte[16], ct);
        await client.SendAsync(new byte[44], ct);
        await ReadExactlyAsync(server, buffer, 60, ct);
        return sw.Elapsed.TotalMilliseconds;
    }

    private static async Task ReadExactlyAsync(Stream s, byte[] buffer, int count, CancellationToken ct)
    {
        int got = 0;
        while (got < count)
        {
            int n = await s.ReadAsync(buffer.AsMemory(got, count - got), ct);
            Assert.True(n > 0, "connection closed");
            got += n;
        }
    }

    [Fact]
    public async Task TwoSmallClientWritesArriveWithoutTheDelayedAckStall()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "TCP_QUICKACK is Linux's");
        var ct = TestContext.Current.CancellationToken;
        // The best of a few tries: a loaded machine may delay one, but the stall is 40 ms every time.
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            best = Math.Min(best, await SecondSmallWriteDelayMsAsync(s => new QuickAckNetworkStream(s, 64), ct));
        }

        // A plain NetworkStream measures 40-44 ms here on Linux 6.x (the delayed-ACK timer).
        Assert.True(best < 20, $"the second write took {best:F1} ms to arrive");
    }
}
