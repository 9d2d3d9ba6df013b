using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Admission;

/// <summary>
/// Slots go to connections that make progress: a newcomer displaces the idlest connection, never one
/// exchanging keys or authenticating, and stage time limits shrink as the slots fill.
/// </summary>
public sealed class AdmissionTests
{
    /// <summary>A TCP connection that reads the server's version line and then holds still.</summary>
    private sealed class Squatter : IAsyncDisposable
    {
        private readonly TcpClient _tcp = new();

        public static async Task<Squatter> ConnectAsync(int port, string? send = null)
        {
            var s = new Squatter();
            await s._tcp.ConnectAsync(IPAddress.Loopback, port);
            if (send is not null)
            {
                await s._tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(send));
            }

            return s;
        }

        public NetworkStream Stream => _tcp.GetStream();

        private Task<string>? _reading;

        /// <summary>Reads until the server closes; returns what it sent (throws on timeout, and may be called again).</summary>
        public Task<string> ReadUntilClosedAsync(TimeSpan timeout)
        {
            _reading ??= ReadAllAsync();
            return _reading.WaitAsync(timeout);
        }

        private async Task<string> ReadAllAsync()
        {
            var ms = new MemoryStream();
            try
            {
                await Stream.CopyToAsync(ms);
            }
            catch (IOException)
            {
                // A reset is a close too.
            }

            return Encoding.ASCII.GetString(ms.ToArray());
        }

        /// <summary>True when the server has not closed within <paramref name="wait"/>.</summary>
        public async Task<bool> StillOpenAsync(TimeSpan wait)
        {
            try
            {
                await ReadUntilClosedAsync(wait);
                return false;
            }
            catch (TimeoutException)
            {
                return true;
            }
        }

        public ValueTask DisposeAsync()
        {
            _tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static async Task WaitForSessionsAsync(TestServer server, int count)
    {
        var sw = Stopwatch.StartNew();
        while (server.Server.Sessions.Count < count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"{server.Server.Sessions.Count} sessions, expected {count}");
            await Task.Delay(20);
        }
    }

    private static async Task WaitForStageAsync(TestServer server, int count, SshSessionStage stage)
    {
        var sw = Stopwatch.StartNew();
        while (server.Server.Sessions.Count(s => s.Stage == stage) < count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"waiting for {count} sessions at {stage}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ANewcomerTakesThePlaceOfTheOldestConnectionThatSentNothing()
    {
        // The floor is the full time here, so only eviction can close anything.
        await using var server = new TestServer(o =>
        {
            o.MaxConnectionsPerAddress = 3;
            o.MinVersionExchangeTimeout = o.VersionExchangeTimeout;
        });
        server.StartTcp();
        await using var first = await Squatter.ConnectAsync(server.Port);
        await WaitForSessionsAsync(server, 1);
        await using var second = await Squatter.ConnectAsync(server.Port);
        await using var third = await Squatter.ConnectAsync(server.Port);
        await WaitForSessionsAsync(server, 3);

        await using var client = await SshTestClient.ConnectTcpAsync(server.Port);
        await client.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await client.PasswordAsync("u", "p"))[0]);

        Assert.StartsWith("SSH-2.0-", await first.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await second.StillOpenAsync(TimeSpan.FromMilliseconds(300)));
        Assert.True(await third.StillOpenAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(1, server.Server.EvictedConnections);
    }

    [Fact]
    public async Task AConnectionThatSentNothingGivesWayBeforeOneThatSentItsVersion()
    {
        await using var server = new TestServer(o =>
        {
            o.MaxConnectionsPerAddress = 2;
            o.MinVersionExchangeTimeout = o.VersionExchangeTimeout;
            o.MinKeyExchangeTimeout = o.KeyExchangeTimeout;
        });
        server.StartTcp();
        await using var silent = await Squatter.ConnectAsync(server.Port);
        await WaitForSessionsAsync(server, 1);
        await using var versionOnly = await Squatter.ConnectAsync(server.Port, "SSH-2.0-Squatter\r\n");
        await WaitForStageAsync(server, 1, SshSessionStage.AwaitingKexInit);

        await using var client = await SshTestClient.ConnectTcpAsync(server.Port);
        await client.HandshakeAsync();

        await silent.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
        Assert.True(await versionOnly.StillOpenAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task ConnectionsThatAreAuthenticatingAreNeverDisplaced()
    {
        await using var server = new TestServer(o => o.MaxConnectionsPerAddress = 2);
        server.StartTcp();
        await using var a = await SshTestClient.ConnectTcpAsync(server.Port);
        await a.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthFailure, (await a.PasswordAsync("u", "wrong"))[0]);
        await using var b = await SshTestClient.ConnectTcpAsync(server.Port);
        await b.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthFailure, (await b.PasswordAsync("u", "wrong"))[0]);

        // The newcomer is refused before the server says anything.
        await using var third = await Squatter.ConnectAsync(server.Port);
        Assert.Equal("", await third.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));

        // Both keep their sessions and can still log in.
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await a.PasswordAsync("u", "p", requestService: false))[0]);
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await b.PasswordAsync("u", "p", requestService: false))[0]);
        Assert.Equal(0, server.Server.EvictedConnections);
    }

    [Fact]
    public async Task AConnectionThatStoppedAfterItsKexInitGivesWay()
    {
        // Issue 15's "stop after KEXINIT" squatter: the server has answered (its KEXINIT went out
        // with the version line) and waits for the peer's key exchange message, which never comes.
        // It must not keep the slot for the key exchange's whole time limit.
        await using var server = new TestServer(o =>
        {
            o.MaxConnectionsPerAddress = 1;
            o.MinKeyExchangeTimeout = o.KeyExchangeTimeout;
        });
        server.StartTcp();
        await using var stopper = await SshTestClient.ConnectTcpAsync(server.Port);
        await stopper.SendVersionAsync();
        await stopper.SendAsync(new KexInitMessage
        {
            KexAlgorithms = ["curve25519-sha256"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            CiphersClientToServer = ["aes128-ctr"],
            CiphersServerToClient = ["aes128-ctr"],
            MacsClientToServer = ["hmac-sha2-256"],
            MacsServerToClient = ["hmac-sha2-256"],
            CompressionClientToServer = ["none"],
            CompressionServerToClient = ["none"],
        }.ToPayload());
        await WaitForStageAsync(server, 1, SshSessionStage.KeyExchange);

        await using var client = await SshTestClient.ConnectTcpAsync(server.Port);
        await client.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await client.PasswordAsync("u", "p"))[0]);
        Assert.Equal(1, server.Server.EvictedConnections);
        Assert.DoesNotContain(server.Server.Sessions, s => s.Stage == SshSessionStage.KeyExchange);
    }

    [Fact]
    public async Task TheUnauthenticatedLimitDisplacesIdleConnectionsFromAnyAddress()
    {
        await using var server = new TestServer(o =>
        {
            o.MaxUnauthenticatedConnections = 2;
            o.MaxConnectionsPerAddress = 0;
            o.MinVersionExchangeTimeout = o.VersionExchangeTimeout;
        });
        server.StartTcp();
        await using var first = await Squatter.ConnectAsync(server.Port);
        await WaitForSessionsAsync(server, 1);
        await using var second = await Squatter.ConnectAsync(server.Port);
        await WaitForSessionsAsync(server, 2);

        await using var client = await SshTestClient.ConnectTcpAsync(server.Port);
        await client.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await client.PasswordAsync("u", "p"))[0]);
        await first.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
        Assert.True(await second.StillOpenAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task AVersionLineTrickledAByteAtATimeIsCutOff()
    {
        await using var server = new TestServer(o => o.VersionExchangeTimeout = TimeSpan.FromSeconds(1));
        server.StartTcp();
        await using var trickle = await Squatter.ConnectAsync(server.Port);
        var sw = Stopwatch.StartNew();
        var closed = trickle.ReadUntilClosedAsync(TimeSpan.FromSeconds(15));
        foreach (var b in "SSH-2.0-Trickle-trickle-trickle"u8.ToArray())
        {
            if (closed.IsCompleted)
            {
                break;
            }

            try
            {
                await trickle.Stream.WriteAsync(new[] { b });
            }
            catch (IOException)
            {
                break;
            }

            await Task.Delay(100);
        }

        await closed;
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(3.5));
        Assert.True(server.Server.GraceExpiredConnections >= 1);
    }

    [Fact]
    public async Task GraceShrinksAsTheSlotsFill()
    {
        // Four slots. One idle connection (a quarter full) keeps the full 30 s; once all four are
        // taken it has overstayed the 1 s floor and is closed — which relieves the pressure, so
        // the three newer ones, still within the longer allowance at three quarters, stay.
        await using var server = new TestServer(o =>
        {
            o.MaxUnauthenticatedConnections = 4;
            o.VersionExchangeTimeout = TimeSpan.FromSeconds(30);
            o.MinVersionExchangeTimeout = TimeSpan.FromSeconds(1);
        });
        server.StartTcp();
        await using var alone = await Squatter.ConnectAsync(server.Port);
        Assert.True(await alone.StillOpenAsync(TimeSpan.FromSeconds(2)));

        var more = new List<Squatter>();
        for (int i = 0; i < 3; i++)
        {
            more.Add(await Squatter.ConnectAsync(server.Port));
        }

        var sw = Stopwatch.StartNew();
        await alone.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"closed after {sw.Elapsed}");
        foreach (var s in more)
        {
            Assert.True(await s.StillOpenAsync(TimeSpan.FromMilliseconds(100)));
            await s.DisposeAsync();
        }

        Assert.Equal(1, server.Server.GraceExpiredConnections);
    }

    [Fact]
    public async Task AKeyExchangeThatStallsIsCutOff()
    {
        await using var server = new TestServer(o => o.KeyExchangeTimeout = TimeSpan.FromSeconds(1));
        server.StartTcp();
        await using var stalled = await Squatter.ConnectAsync(server.Port, "SSH-2.0-Stalled\r\n");
        var text = await stalled.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("key exchange timed out", text);
        Assert.Equal(1, server.Server.GraceExpiredConnections);
    }
}
