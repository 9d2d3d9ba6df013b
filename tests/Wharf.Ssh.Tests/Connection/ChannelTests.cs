using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Connection;

public sealed class ChannelTests
{
    private static Task RequestAsync(SshTestClient c, uint channel, string type, bool wantReply, Action<SshWriter>? rest = null) =>
        c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelRequest);
            w.WriteUInt32(channel);
            w.WriteString(type);
            w.WriteBoolean(wantReply);
            rest?.Invoke(w);
        });

    [Fact]
    public async Task ExecSendsDataExitStatusEofAndClose()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        uint ch = await c.OpenSessionAsync(ourId: 7);
        await RequestAsync(c, ch, "exec", true, w => w.WriteString("echo hello world"));
        Assert.Equal(SshMessageNumber.ChannelSuccess, (await c.ReceiveAsync())[0]);

        var data = await c.ReceiveAsync();
        Assert.Equal(SshMessageNumber.ChannelData, data[0]);
        var r = new SshReader(data.AsSpan(1));
        Assert.Equal(7u, r.ReadUInt32());
        Assert.Equal("hello world\n", r.ReadString());

        var exit = await c.ReceiveAsync();
        r = new SshReader(exit.AsSpan(1));
        Assert.Equal(SshMessageNumber.ChannelRequest, exit[0]);
        r.ReadUInt32();
        Assert.Equal("exit-status", r.ReadString());
        Assert.False(r.ReadBoolean());
        Assert.Equal(0u, r.ReadUInt32());
        Assert.Equal(SshMessageNumber.ChannelEof, (await c.ReceiveAsync())[0]);
        Assert.Equal(SshMessageNumber.ChannelClose, (await c.ReceiveAsync())[0]);
    }

    [Fact]
    public async Task HandlerWritingWhenThePeerLeavesIsNotLoggedAsAnError()
    {
        // Found by the session fuzz target: a handler still writing when the client went away
        // (the session closed, its channels not yet aborted) was logged as "exec handler failed".
        var logged = new System.Collections.Concurrent.ConcurrentQueue<(SshLogLevel Level, string Message)>();
        await using var server = new TestServer(o => o.Logger = (level, message) => logged.Enqueue((level, message)));
        var running = new TaskCompletionSource();
        var ended = new TaskCompletionSource();
        server.Server.ExecHandler = (_, _) => async ctx =>
        {
            try
            {
                running.TrySetResult();
                while (true)
                {
                    await ctx.Channel.WriteAsync(new byte[16]); // no token: as a careless handler would
                }
            }
            finally
            {
                ended.SetResult();
            }
        };

        for (int round = 0; round < 20; round++)
        {
            running = new TaskCompletionSource();
            ended = new TaskCompletionSource();
            var c = server.ConnectInMemory(out var session);
            await c.HandshakeAsync();
            Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.PasswordAsync("u", "p"))[0]);
            uint ch = await c.OpenSessionAsync();
            await RequestAsync(c, ch, "exec", false, w => w.WriteString("write-forever"));
            await running.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await c.DisposeAsync();
            await session.WaitAsync(TimeSpan.FromSeconds(10));
            await ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        await Task.Delay(200); // the handler's exception is logged just after it leaves the handler
        var errors = logged.Where(l => l.Level == SshLogLevel.Error).Select(l => l.Message).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("shell")]
    [InlineData("pty-req")]
    [InlineData("x11-req")]
    [InlineData("auth-agent-req@openssh.com")]
    public async Task UnofferedRequestsAreRefusedCleanly(string type)
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        uint ch = await c.OpenSessionAsync();
        await RequestAsync(c, ch, type, true);
        Assert.Equal(SshMessageNumber.ChannelFailure, (await c.ReceiveAsync())[0]);
    }

    [Fact]
    public async Task UnknownCommandAndSubsystemAreRefused()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        uint ch = await c.OpenSessionAsync();
        await RequestAsync(c, ch, "exec", true, w => w.WriteString("rm -rf /"));
        Assert.Equal(SshMessageNumber.ChannelFailure, (await c.ReceiveAsync())[0]);
        await RequestAsync(c, ch, "subsystem", true, w => w.WriteString("sftp"));
        Assert.Equal(SshMessageNumber.ChannelFailure, (await c.ReceiveAsync())[0]);
    }

    [Theory]
    [InlineData("direct-tcpip")]
    [InlineData("x11")]
    [InlineData("forwarded-tcpip")]
    public async Task OtherChannelTypesAreProhibited(string type)
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelOpen);
            w.WriteString(type);
            w.WriteUInt32(0);
            w.WriteUInt32(1000);
            w.WriteUInt32(1000);
        });
        var reply = await c.ReceiveAsync();
        Assert.Equal(SshMessageNumber.ChannelOpenFailure, reply[0]);
        var r = new SshReader(reply.AsSpan(1));
        r.ReadUInt32();
        Assert.Equal(1u, r.ReadUInt32()); // SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
    }

    [Fact]
    public async Task ChannelCountIsBounded()
    {
        await using var server = new TestServer(o => o.MaxChannelsPerConnection = 2);
        await using var c = await server.ConnectAuthenticatedAsync();
        await c.OpenSessionAsync(0);
        await c.OpenSessionAsync(1);
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelOpen);
            w.WriteString("session");
            w.WriteUInt32(2);
            w.WriteUInt32(1000);
            w.WriteUInt32(1000);
        });
        var reply = await c.ReceiveAsync();
        Assert.Equal(SshMessageNumber.ChannelOpenFailure, reply[0]);
        var r = new SshReader(reply.AsSpan(1));
        r.ReadUInt32();
        Assert.Equal(4u, r.ReadUInt32()); // SSH_OPEN_RESOURCE_SHORTAGE
    }

    [Fact]
    public async Task MessageForUnknownChannelIsAProtocolError()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        await RequestAsync(c, 99, "exec", true, w => w.WriteString("echo x"));
        Assert.Equal(SshDisconnectReason.ProtocolError, (await c.ExpectDisconnectAsync()).Reason);
    }

    [Fact]
    public async Task WindowAdjustBeyondTwoToThe32IsAProtocolError()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        uint ch = await c.OpenSessionAsync(window: 0xFFFF0000);
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelWindowAdjust);
            w.WriteUInt32(ch);
            w.WriteUInt32(0x00100000);
        });
        var (reason, text) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains("2^32-1", text);
    }

    [Fact]
    public async Task DataLargerThanTheMaximumPacketIsAProtocolError()
    {
        await using var server = new TestServer(o => o.ChannelMaxPacketSize = 32 * 1024);
        await using var c = await server.ConnectAuthenticatedAsync();
        uint ch = await c.OpenSessionAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelData);
            w.WriteUInt32(ch);
            w.WriteBinary(new byte[32 * 1024 + 1]);
        });
        Assert.Equal(SshDisconnectReason.ProtocolError, (await c.ExpectDisconnectAsync()).Reason);
    }

    [Fact]
    public async Task DataBeyondTheWindowIsAProtocolError()
    {
        // Nobody consumes the channel's input (no command started), so the window only shrinks.
        await using var server = new TestServer(o =>
        {
            o.ChannelWindowSize = 64 * 1024;
            o.ChannelMaxPacketSize = 32 * 1024;
        });
        await using var c = await server.ConnectAuthenticatedAsync();
        uint ch = await c.OpenSessionAsync();
        for (int i = 0; i < 3; i++)
        {
            await c.SendAsync(w =>
            {
                w.WriteByte(SshMessageNumber.ChannelData);
                w.WriteUInt32(ch);
                w.WriteBinary(new byte[32 * 1024]);
            });
        }

        var (reason, text) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains("window", text);
    }

    [Fact]
    public async Task ServerRespectsTheClientWindowAndPacketSize()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        uint ch = await c.OpenSessionAsync(window: 10_000, maxPacket: 4_000);
        await RequestAsync(c, ch, "exec", false, w => w.WriteString("generate 50000"));
        long received = 0;
        while (received < 10_000)
        {
            var m = await c.ReceiveAsync();
            Assert.Equal(SshMessageNumber.ChannelData, m[0]);
            var r = new SshReader(m.AsSpan(1));
            r.ReadUInt32();
            int n = r.ReadBinary().Length;
            Assert.True(n <= 4_000, $"packet of {n} bytes");
            received += n;
        }

        Assert.Equal(10_000, received);
        // The window is used up: nothing more may come until we adjust it.
        var more = c.ReceiveAsync();
        await Task.Delay(300);
        Assert.False(more.IsCompleted);
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelWindowAdjust);
            w.WriteUInt32(ch);
            w.WriteUInt32(100_000);
        });
        var next = await more;
        Assert.Equal(SshMessageNumber.ChannelData, next[0]);
    }

    [Fact]
    public async Task KeepAliveGlobalRequestIsAnswered()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.GlobalRequest);
            w.WriteString("keepalive@openssh.com");
            w.WriteBoolean(true);
        });
        Assert.Equal(SshMessageNumber.RequestFailure, (await c.ReceiveAsync())[0]);
        uint ch = await c.OpenSessionAsync();
        await RequestAsync(c, ch, "keepalive@openssh.com", true);
        Assert.Equal(SshMessageNumber.ChannelFailure, (await c.ReceiveAsync())[0]);
    }

    [Fact]
    public async Task ServerKeepAliveDisconnectsADeadPeer()
    {
        await using var server = new TestServer(o =>
        {
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(200);
            o.KeepAliveCountMax = 2;
        });
        await using var c = await server.ConnectAuthenticatedAsync();
        // Read the probes but never answer them.
        int probes = 0;
        while (true)
        {
            var m = await c.ReceiveAsync();
            if (m[0] == SshMessageNumber.GlobalRequest)
            {
                Assert.Equal("keepalive@openssh.com", new SshReader(m.AsSpan(1)).ReadString());
                probes++;
                continue;
            }

            Assert.Equal(SshMessageNumber.Disconnect, m[0]);
            break;
        }

        Assert.Equal(2, probes);
    }

    [Fact]
    public async Task IdleTimeoutDisconnects()
    {
        await using var server = new TestServer(o => o.IdleTimeout = TimeSpan.FromMilliseconds(400));
        await using var c = await server.ConnectAuthenticatedAsync();
        var (reason, text) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ByApplication, reason);
        Assert.Contains("idle", text);
    }

    [Fact]
    public async Task PeerThatStopsReadingIsDroppedAndOthersAreServed()
    {
        await using var server = new TestServer(o =>
        {
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(500);
            o.KeepAliveCountMax = 2;
        });
        server.StartTcp();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        await using var stalled = await SshTestClient.ConnectTcpAsync(server.Port);
        await stalled.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await stalled.PasswordAsync("u", "p"))[0]);
        uint ch = await stalled.OpenSessionAsync(window: uint.MaxValue, maxPacket: 32768);
        await RequestAsync(stalled, ch, "exec", false, w => w.WriteString("generate 100000000000"));

        // While it is stuck, someone else logs in fine.
        await using (var other = await SshTestClient.ConnectTcpAsync(server.Port))
        {
            await other.HandshakeAsync();
            Assert.Equal(SshMessageNumber.UserAuthSuccess, (await other.PasswordAsync("u", "p"))[0]);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.Server.Sessions.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Empty(server.Server.Sessions);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 64L * 1024 * 1024, $"memory grew by {(after - before) >> 20} MiB");
    }
}
