using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Transport;

/// <summary>
/// The PROXY protocol policy on a real <see cref="SshServer"/>: Accept/Require, the allowed and
/// skipped sources, the client address sessions see, and per-address admission by that address.
/// </summary>
public sealed class ProxyProtocolPolicyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static byte[] V1(string client, int port = 50000) => Encoding.ASCII.GetBytes($"PROXY TCP4 {client} 10.0.0.1 {port} 22\r\n");

    private sealed class Harness : IAsyncDisposable
    {
        public Harness(ProxyProtocolMode mode, string[] allowed, string[]? skipped = null, Action<SshServerOptions>? configure = null)
        {
            Server = new TestServer(o =>
            {
                o.ProxyProtocol = mode;
                o.ProxyAllowed = [.. allowed.Select(IPNetwork.Parse)];
                o.ProxySkipped = [.. (skipped ?? []).Select(IPNetwork.Parse)];
                o.Logger = (level, message) => Log.Enqueue($"{level} {message}");
                configure?.Invoke(o);
            });
            Server.Server.SessionStarted += s => Started.Enqueue(s);
        }

        public TestServer Server { get; }

        public ConcurrentQueue<string> Log { get; } = new();

        public ConcurrentQueue<SshSession> Started { get; } = new();

        /// <summary>An in-memory connection whose socket peer is <paramref name="peer"/>.</summary>
        public (SshTestClient Client, DuplexStream Raw, Task Session) Connect(string peer)
        {
            var (a, b) = DuplexStream.CreatePair();
            var session = Server.Server.HandleConnectionAsync(b, new IPEndPoint(IPAddress.Parse(peer), 40000));
            return (new SshTestClient(a), a, session);
        }

        /// <summary>Sends the prefix and a version line; asserts the server closes without a byte.</summary>
        public async Task AssertRefusedAsync(string peer, byte[] prefix, string logged)
        {
            var (_, raw, session) = Connect(peer);
            await raw.WriteAsync((byte[])[.. prefix, .. "SSH-2.0-WharfTestClient\r\n"u8]);
            var buffer = new byte[256];
            Assert.Equal(0, await raw.ReadAsync(buffer).AsTask().WaitAsync(Wait));
            await session.WaitAsync(Wait);
            Assert.Empty(Started);
            Assert.Contains(Log, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains(peer, StringComparison.Ordinal) && l.Contains(logged, StringComparison.Ordinal));
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    [Fact]
    public async Task AcceptUsesTheHeaderOfAnAllowedSource()
    {
        await using var h = new Harness(ProxyProtocolMode.Accept, ["10.0.0.0/8"]);
        var (client, _, _) = h.Connect("10.0.0.5");
        client.Prefix = V1("198.51.100.20", 61000);
        await client.HandshakeAsync();
        var session = Assert.Single(h.Started);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.20"), 61000), session.RemoteEndPoint);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.5"), 40000), session.ProxyEndPoint);
    }

    [Fact]
    public async Task AcceptTakesAPlainConnectionFromAnySource()
    {
        await using var h = new Harness(ProxyProtocolMode.Accept, ["10.0.0.0/8"]);
        foreach (var peer in new[] { "10.0.0.5", "192.0.2.9" })
        {
            var (client, _, _) = h.Connect(peer);
            await client.HandshakeAsync();
        }

        Assert.Equal(["10.0.0.5", "192.0.2.9"], h.Started.Select(s => s.RemoteEndPoint.Address.ToString()));
        Assert.All(h.Started, s => Assert.Null(s.ProxyEndPoint));
    }

    [Fact]
    public async Task AcceptRefusesAHeaderFromASourceNotAllowed()
    {
        await using var h = new Harness(ProxyProtocolMode.Accept, ["10.0.0.0/8"]);
        await h.AssertRefusedAsync("192.0.2.9", V1("198.51.100.20"), "not allowed");
    }

    [Fact]
    public async Task AnEmptyAllowedListTrustsNoHeader()
    {
        await using var h = new Harness(ProxyProtocolMode.Accept, []);
        await h.AssertRefusedAsync("10.0.0.5", V1("198.51.100.20"), "not allowed");
    }

    [Fact]
    public async Task RequireRefusesAnAllowedSourceWithoutAHeader()
    {
        await using var h = new Harness(ProxyProtocolMode.Require, ["10.0.0.0/8"]);
        await h.AssertRefusedAsync("10.0.0.5", [], "no PROXY header");
    }

    [Fact]
    public async Task RequireRefusesASourceNotAllowedWithOrWithoutAHeader()
    {
        await using var h = new Harness(ProxyProtocolMode.Require, ["10.0.0.0/8"]);
        await h.AssertRefusedAsync("192.0.2.9", V1("198.51.100.20"), "allowed list");
        await h.AssertRefusedAsync("192.0.2.9", [], "allowed list");
    }

    [Fact]
    public async Task RequireUsesTheHeaderAndKeepsTheSocketAddressForLocal()
    {
        await using var h = new Harness(ProxyProtocolMode.Require, ["10.0.0.0/8", "2001:db8::/32"]);
        var (a, _, _) = h.Connect("10.0.0.5");
        a.Prefix = V1("203.0.113.4");
        await a.HandshakeAsync();

        // A LOCAL header (the balancer's own health check) keeps the socket's address.
        var (b, _, _) = h.Connect("2001:db8::7");
        b.Prefix = ProxyProtocolParserTests.V2(0x20, 0x00, []);
        await b.HandshakeAsync();

        var sessions = h.Started.ToArray();
        Assert.Equal(IPAddress.Parse("203.0.113.4"), sessions[0].RemoteEndPoint.Address);
        Assert.Equal(IPAddress.Parse("2001:db8::7"), sessions[1].RemoteEndPoint.Address);
        Assert.Null(sessions[1].ProxyEndPoint);
    }

    [Fact]
    public async Task SkippedSourcesNeedNoHeaderAndAreNotReadForOne()
    {
        await using var h = new Harness(ProxyProtocolMode.Require, ["10.0.0.0/8"], skipped: ["10.9.0.0/16", "192.0.2.1/32"]);
        var (client, _, _) = h.Connect("10.9.1.1"); // skipped wins over allowed
        await client.HandshakeAsync();
        Assert.Equal(IPAddress.Parse("10.9.1.1"), Assert.Single(h.Started).RemoteEndPoint.Address);

        // A skipped source's header is not a header but its first line: the version exchange refuses it.
        var (_, raw, session) = h.Connect("192.0.2.1");
        await raw.WriteAsync((byte[])[.. V1("198.51.100.20"), .. "SSH-2.0-x\r\n"u8]);
        var all = new MemoryStream();
        await raw.CopyToAsync(all).WaitAsync(Wait);
        await session.WaitAsync(Wait);
        Assert.Contains("Invalid SSH identification string", Encoding.ASCII.GetString(all.ToArray()));
    }

    [Fact]
    public async Task AMalformedHeaderIsRefusedAndLoggedWithItsReason()
    {
        await using var h = new Harness(ProxyProtocolMode.Accept, ["10.0.0.0/8"]);
        await h.AssertRefusedAsync("10.0.0.5", "PROXY TCP4 1.2.3.04 10.0.0.1 1 22\r\n"u8.ToArray(), "invalid PROXY header: version 1 header with an address");
    }

    [Fact]
    public async Task IPv4MappedPeersMatchIPv4Networks()
    {
        await using var h = new Harness(ProxyProtocolMode.Require, ["10.0.0.0/8"]);
        var (client, _, _) = h.Connect("::ffff:10.0.0.5");
        client.Prefix = V1("203.0.113.4");
        await client.HandshakeAsync();
        Assert.Equal(IPAddress.Parse("203.0.113.4"), Assert.Single(h.Started).RemoteEndPoint.Address);
    }

    [Fact]
    public async Task PerAddressLimitsCountTheClientNotTheBalancer()
    {
        await using var h = new Harness(ProxyProtocolMode.Require, ["127.0.0.0/8"], configure: o => o.MaxConnectionsPerAddress = 1);
        h.Server.StartTcp();

        // Two clients behind one balancer address: each has its own slot. Both are authenticating
        // (a failed attempt), so a newcomer cannot displace them (docs/availability.md).
        await using var a = await SshTestClient.ConnectTcpAsync(h.Server.Port);
        a.Prefix = V1("192.0.2.1");
        await a.HandshakeAsync();
        await a.PasswordAsync("u", "wrong");
        await using var b = await SshTestClient.ConnectTcpAsync(h.Server.Port);
        b.Prefix = V1("192.0.2.2");
        await b.HandshakeAsync();
        await b.PasswordAsync("u", "wrong");

        // A second connection of the first client is over its limit: closed before a byte.
        using var third = new TcpClient();
        await third.ConnectAsync(IPAddress.Loopback, h.Server.Port);
        await third.GetStream().WriteAsync((byte[])[.. V1("192.0.2.1"), .. "SSH-2.0-x\r\n"u8]);
        Assert.Equal(0, await third.GetStream().ReadAsync(new byte[64]).AsTask().WaitAsync(Wait));
        Assert.Contains(h.Log, l => l.Contains("192.0.2.1", StringComparison.Ordinal) && l.Contains("connection limit", StringComparison.Ordinal));

        // Once it leaves, it is admitted again.
        await a.DisposeAsync();
        for (int i = 0; i < 100 && h.Server.Server.Sessions.Any(s => s.RemoteEndPoint.Address.Equals(IPAddress.Parse("192.0.2.1"))); i++)
        {
            await Task.Delay(50);
        }

        await using var d = await SshTestClient.ConnectTcpAsync(h.Server.Port);
        d.Prefix = V1("192.0.2.1");
        await d.HandshakeAsync();
    }

    [Fact]
    public async Task ASilentConnectionDoesNotHoldUpOthers()
    {
        await using var h = new Harness(ProxyProtocolMode.Accept, ["127.0.0.0/8"], configure: o => o.ProxyHeaderTimeout = TimeSpan.FromSeconds(30));
        h.Server.StartTcp();
        using var silent = new TcpClient();
        await silent.ConnectAsync(IPAddress.Loopback, h.Server.Port);

        await using var client = await SshTestClient.ConnectTcpAsync(h.Server.Port);
        client.Prefix = V1("192.0.2.1");
        await client.HandshakeAsync().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AcceptTakesASocketThatWasSilentPastTheTimeoutAsPlain()
    {
        // A client that waits for the server's version line first: after the header timeout the
        // server speaks, and the socket (whose pending read was cancelled) still works.
        await using var h = new Harness(ProxyProtocolMode.Accept, ["127.0.0.0/8"], configure: o => o.ProxyHeaderTimeout = TimeSpan.FromMilliseconds(300));
        h.Server.StartTcp();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, h.Server.Port);
        var first = new byte[4];
        await tcp.GetStream().ReadExactlyAsync(first).AsTask().WaitAsync(Wait);
        Assert.Equal("SSH-"u8.ToArray(), first);
        await using var client = new SshTestClient(new PrefixedStream(first, tcp.GetStream()));
        await client.HandshakeAsync();
        Assert.Equal(IPAddress.Loopback, Assert.Single(h.Started).RemoteEndPoint.Address);
    }

    [Fact]
    public async Task RequireRefusesASilentConnectionAfterTheTimeout()
    {
        await using var h = new Harness(ProxyProtocolMode.Require, ["127.0.0.0/8"], configure: o => o.ProxyHeaderTimeout = TimeSpan.FromMilliseconds(300));
        h.Server.StartTcp();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, h.Server.Port);
        Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[64]).AsTask().WaitAsync(Wait));
        for (int i = 0; i < 100 && !h.Log.Any(l => l.Contains("no PROXY header within", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(h.Log, l => l.Contains("no PROXY header within", StringComparison.Ordinal));
    }

    /// <summary>A stream that first returns bytes already read from <paramref name="inner"/>.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _at;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_at < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _at);
                prefix.AsMemory(_at, n).CopyTo(buffer);
                _at += n;
                return ValueTask.FromResult(n);
            }

            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
