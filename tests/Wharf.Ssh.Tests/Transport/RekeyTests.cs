using System.Security.Cryptography;
using System.Text;
using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Transport;

/// <summary>
/// Key exchanges after the first one, and where they differ from it: during the initial exchange
/// (until the client's first NEWKEYS) nothing but the exchange is accepted, strictly so with
/// strict KEX; during a rekey the client's connection-layer messages are processed as they come
/// (RFC 4253 §7.1 forbids sending them, asyncssh sends them anyway), while the server itself
/// sends nothing but the exchange between its KEXINIT and its NEWKEYS.
/// </summary>
public sealed class RekeyTests
{
    private static byte[] ChannelData(uint channel, byte[] data)
    {
        using var w = new SshWriter();
        w.WriteByte(SshMessageNumber.ChannelData);
        w.WriteUInt32(channel);
        w.WriteBinary(data);
        return w.ToArray();
    }

    private static readonly byte[] Ignore = [SshMessageNumber.Ignore, 0, 0, 0, 0];

    /// <summary>Runs <paramref name="exchange"/> and then reads on until the server disconnects; returns its reason and text.</summary>
    private static async Task<(SshDisconnectReason? Reason, string Text)> DisconnectAfterAsync(SshTestClient c, Func<Task> exchange)
    {
        try
        {
            await exchange();
        }
        catch (ServerDisconnectedException ex)
        {
            return (ex.Reason, ex.Text);
        }

        return await c.ExpectDisconnectAsync();
    }

    private static KexScript Sending(byte[] payload, bool afterServerNewKeys) => afterServerNewKeys
        ? new KexScript { BeforeNewKeys = c => c.SendAsync(payload) }
        : new KexScript { AfterKexInit = c => c.SendAsync(payload) };

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task ChannelDataDuringTheInitialExchangeEndsTheConnection(bool strict, bool afterServerNewKeys)
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out var session);
        c.Strict = strict;
        await c.SendVersionAsync();
        var script = Sending(ChannelData(0, "smuggled"u8.ToArray()), afterServerNewKeys);
        var (reason, text) = await DisconnectAfterAsync(c, () => c.KeyExchangeAsync(first: true, script: script));
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains(strict ? "strict key exchange: unexpected message 94" : "message 94 before the first key exchange completed", text);
        await session.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Strict KEX refuses even IGNORE until the client's first NEWKEYS — also after the server's
    /// own NEWKEYS, when the session identifier already exists (that half used to let it through).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IgnoreDuringTheStrictInitialExchangeEndsTheConnection(bool afterServerNewKeys)
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out var session);
        await c.SendVersionAsync();
        var (reason, text) = await DisconnectAfterAsync(c, () => c.KeyExchangeAsync(first: true, script: Sending(Ignore, afterServerNewKeys)));
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains("strict key exchange: unexpected message 2 during initial key exchange", text);
        await session.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, server.AuthenticationCalls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IgnoreDuringANonStrictInitialExchangeIsFine(bool afterServerNewKeys)
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        c.Strict = false;
        await c.SendVersionAsync();
        await c.KeyExchangeAsync(first: true, script: Sending(Ignore, afterServerNewKeys));
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.PasswordAsync("u", "p"))[0]);
        Assert.False(server.Server.Sessions.Single().IsStrictKex);
    }

    /// <summary>Random data, sent on <paramref name="channel"/> and recorded in <paramref name="sent"/> in the order sent.</summary>
    private static Task SendRandomAsync(TestChannel channel, MemoryStream sent, int bytes, bool reading = true)
    {
        var data = RandomNumberGenerator.GetBytes(bytes);
        sent.Write(data);
        return reading ? channel.SendAsync(data) : channel.SendWithoutReadingAsync(data);
    }

    private static string Sha256Line(MemoryStream sent) =>
        $"{Convert.ToHexStringLower(SHA256.HashData(sent.ToArray()))} {sent.Length}\n";

    /// <summary>
    /// What asyncssh does: it goes on sending CHANNEL_DATA after its own KEXINIT, before and after
    /// the server's NEWKEYS. Every byte reaches the command, once and in order.
    /// </summary>
    [Fact]
    public async Task ChannelDataTheClientSendsDuringItsRekeyIsDeliveredInOrder()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        var session = server.Server.Sessions.Single();
        var channel = await TestChannel.ExecAsync(c, "sha256");
        var sent = new MemoryStream();
        for (int round = 0; round < 4; round++)
        {
            await SendRandomAsync(channel, sent, 256 * 1024);
            await c.KeyExchangeAsync(script: new KexScript
            {
                AfterKexInit = _ => SendRandomAsync(channel, sent, 128 * 1024 + round, reading: false),
                BeforeNewKeys = _ => SendRandomAsync(channel, sent, 96 * 1024 + round, reading: false),
                BeforeServerKexInit = channel.HandleAsync,
            });
        }

        await SendRandomAsync(channel, sent, 1000);
        await channel.SendEofAsync();
        var output = await channel.ReadToCloseAsync();
        Assert.Equal(Sha256Line(sent), Encoding.ASCII.GetString(output));
        Assert.Equal(0, channel.ExitStatus);
        Assert.Equal(5, session.KeyExchangeCount);
        Assert.Equal(0, session.ServerInitiatedRekeys);
    }

    /// <summary>
    /// The client starts rekeys while the server is sending: the server stops its data at its own
    /// KEXINIT (the test client fails the exchange on anything else before the server's NEWKEYS),
    /// accepts the WINDOW_ADJUST the client sends after its KEXINIT, and resumes without a gap.
    /// </summary>
    [Fact]
    public async Task ClientRekeysDuringADownloadLoseNothing()
    {
        const int total = 4 << 20;
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        var session = server.Server.Sessions.Single();
        var channel = await TestChannel.ExecAsync(c, $"pattern {total}");
        int rekeys = 0;
        while (true)
        {
            await channel.ReadAtLeastAsync(channel.Output.Length + 512 * 1024);
            if (channel.Closed || channel.Output.Length >= total)
            {
                break;
            }

            await c.KeyExchangeAsync(script: new KexScript
            {
                AfterKexInit = _ => channel.SendWindowAdjustAsync(),
                BeforeServerKexInit = channel.HandleAsync,
            });
            rekeys++;
        }

        var output = await channel.ReadToCloseAsync();
        Assert.Equal(SHA256.HashData(TestPattern.Bytes(0, total)), SHA256.HashData(output));
        Assert.True(rekeys >= 6, $"{rekeys} rekeys");
        Assert.Equal(1 + rekeys, session.KeyExchangeCount);
        Assert.Equal(0, session.ServerInitiatedRekeys);
    }

    /// <summary>
    /// RekeyBytes reached during an upload: the server starts each exchange, the client answers
    /// with its KEXINIT and, like asyncssh, keeps sending data inside the exchange.
    /// </summary>
    [Fact]
    public async Task ServerRekeysDuringAnUploadLoseNothing()
    {
        const int rounds = 8;
        await using var server = new TestServer(o => o.RekeyBytes = 256 * 1024);
        await using var c = await server.ConnectAuthenticatedAsync();
        var session = server.Server.Sessions.Single();
        var channel = await TestChannel.ExecAsync(c, "sha256");
        var sent = new MemoryStream();
        channel.DuringServerRekey = new KexScript
        {
            AfterKexInit = _ => SendRandomAsync(channel, sent, 64 * 1024 + 3, reading: false),
            BeforeNewKeys = _ => SendRandomAsync(channel, sent, 32 * 1024 + 5, reading: false),
        };
        for (int round = 0; round < rounds; round++)
        {
            // Past the limit, then a round trip: the server's KEXINIT comes before the reply.
            await SendRandomAsync(channel, sent, 512 * 1024);
            await channel.SyncAsync();
        }

        await channel.SendEofAsync();
        var output = await channel.ReadToCloseAsync();
        Assert.Equal(Sha256Line(sent), Encoding.ASCII.GetString(output));
        Assert.Equal(rounds, channel.ServerStartedKeyExchanges);
        Assert.Equal(rounds, session.ServerInitiatedRekeys);
        Assert.Equal(1 + rounds, session.KeyExchangeCount);
    }

    /// <summary>
    /// RekeyBytes reached while the server sends: each exchange starts from the server's side in
    /// the middle of the stream, the client gives window back after its KEXINIT, and the stream
    /// comes out whole.
    /// </summary>
    [Fact]
    public async Task ServerRekeysDuringADownloadLoseNothing()
    {
        const int total = 4 << 20;
        await using var server = new TestServer(o => o.RekeyBytes = 256 * 1024);
        await using var c = await server.ConnectAuthenticatedAsync();
        var session = server.Server.Sessions.Single();
        var channel = await TestChannel.ExecAsync(c, $"pattern {total}");
        channel.DuringServerRekey = new KexScript { AfterKexInit = _ => channel.SendWindowAdjustAsync() };
        var output = await channel.ReadToCloseAsync();
        Assert.Equal(SHA256.HashData(TestPattern.Bytes(0, total)), SHA256.HashData(output));
        Assert.True(channel.ServerStartedKeyExchanges >= 8, $"{channel.ServerStartedKeyExchanges} rekeys");
        Assert.Equal(channel.ServerStartedKeyExchanges, session.ServerInitiatedRekeys);
        Assert.Equal(1 + channel.ServerStartedKeyExchanges, session.KeyExchangeCount);
    }

    /// <summary>
    /// Requests the client sends inside its rekey are answered, in order, but only after the
    /// server's NEWKEYS: the test client's exchange fails on anything else before it.
    /// </summary>
    [Fact]
    public async Task RequestsSentDuringARekeyAreAnsweredAfterTheServersNewKeys()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        var channel = await TestChannel.ExecAsync(c, "sleep");
        await c.KeyExchangeAsync(script: new KexScript
        {
            AfterKexInit = async cl =>
            {
                await cl.SendAsync(w =>
                {
                    w.WriteByte(SshMessageNumber.GlobalRequest);
                    w.WriteString("keepalive@openssh.com");
                    w.WriteBoolean(true);
                });
                await cl.SendAsync(w =>
                {
                    w.WriteByte(SshMessageNumber.ChannelRequest);
                    w.WriteUInt32(channel.ServerId);
                    w.WriteString("env");
                    w.WriteBoolean(true);
                    w.WriteString("LANG");
                    w.WriteString("C");
                });
            },
        });
        Assert.Equal(SshMessageNumber.RequestFailure, (await c.ReceiveAsync())[0]);
        Assert.Equal(SshMessageNumber.ChannelFailure, (await c.ReceiveAsync())[0]);
        await channel.SyncAsync();
    }

    public static TheoryData<string> OutOfPlaceDuringRekey =>
    [
        "server's reply (31) from the client",
        "group exchange request (34) in a curve25519 exchange",
        "second exchange init (30) after the exchange",
        "NEWKEYS before the exchange",
        "second KEXINIT after channel data",
        "SERVICE_REQUEST",
        "EXT_INFO",
        "local extension message 200",
    ];

    /// <summary>Accepting the connection layer during a rekey changes nothing for the transport's own rules.</summary>
    [Theory]
    [MemberData(nameof(OutOfPlaceDuringRekey))]
    public async Task OutOfPlaceMessagesDuringARekeyEndTheConnection(string what)
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        var channel = await TestChannel.ExecAsync(c, "sleep");
        var session = server.Server.Sessions.Single();
        var data = ChannelData(channel.ServerId, "data"u8.ToArray());
        var kexInit = new KexInitMessage
        {
            KexAlgorithms = ["curve25519-sha256"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            CiphersClientToServer = ["aes128-gcm@openssh.com"],
            CiphersServerToClient = ["aes128-gcm@openssh.com"],
            MacsClientToServer = ["hmac-sha2-256"],
            MacsServerToClient = ["hmac-sha2-256"],
            CompressionClientToServer = ["none"],
            CompressionServerToClient = ["none"],
        }.ToPayload();
        byte[] ecdhInit = [30, 0, 0, 0, 32, .. RandomNumberGenerator.GetBytes(32)];
        var (script, expected) = what switch
        {
            "server's reply (31) from the client" => (Sending([31, 0, 0, 0, 0], false), "unexpected message 31 during key exchange"),
            "group exchange request (34) in a curve25519 exchange" => (Sending([34, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0, 32, 0], false), "unexpected message 34 during key exchange"),
            "second exchange init (30) after the exchange" => (Sending(ecdhInit, true), "unexpected key exchange message 30"),
            "NEWKEYS before the exchange" => (Sending([SshMessageNumber.NewKeys], false), "unexpected NEWKEYS"),
            "second KEXINIT after channel data" => (new KexScript
            {
                AfterKexInit = async cl =>
                {
                    await cl.SendAsync(data);
                    await cl.SendAsync(kexInit);
                },
            }, "KEXINIT received twice"),
            "SERVICE_REQUEST" => (Sending([SshMessageNumber.ServiceRequest, 0, 0, 0, 12, .. "ssh-userauth"u8], false), "message 5 not allowed during key exchange"),
            "EXT_INFO" => (Sending([SshMessageNumber.ExtInfo, 0, 0, 0, 0], false), "message 7 not allowed during key exchange"),
            "local extension message 200" => (Sending([200], false), "message 200 not allowed during key exchange"),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
        var (reason, text) = await DisconnectAfterAsync(c, () => c.KeyExchangeAsync(script: script));
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains(expected, text);
        Assert.Equal(1, session.KeyExchangeCount);
    }

    [Fact]
    public async Task KeyExchangeMessageOutsideAnyExchangeEndsTheConnection()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        await c.SendAsync(new byte[] { 30, 0, 0, 0, 0 });
        var (reason, text) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains("unexpected key exchange message 30", text);
    }

    /// <summary>
    /// Replies to what a client sends during its rekey wait for the exchange to end; a client that
    /// keeps asking meanwhile is disconnected once the server holds 4096 replies or 1 MiB of them,
    /// whichever comes first, instead of the queue growing for as long as the exchange stays open.
    /// </summary>
    [Theory]
    [InlineData("global requests", 5000)]
    [InlineData("channel opens with long type names", 3700)]
    public async Task RepliesHeldBackDuringARekeyAreBounded(string what, int count)
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        string longType = new('t', 256);
        var (reason, text) = await DisconnectAfterAsync(c, () => c.KeyExchangeAsync(script: new KexScript
        {
            AfterKexInit = async cl =>
            {
                for (uint i = 0; i < count; i++)
                {
                    await cl.SendAsync(w =>
                    {
                        if (what == "global requests")
                        {
                            w.WriteByte(SshMessageNumber.GlobalRequest);
                            w.WriteString("keepalive@openssh.com");
                            w.WriteBoolean(true);
                        }
                        else
                        {
                            w.WriteByte(SshMessageNumber.ChannelOpen);
                            w.WriteString(longType);
                            w.WriteUInt32(i);
                            w.WriteUInt32(65536);
                            w.WriteUInt32(32768);
                        }
                    });
                }
            },
        }));
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains("too many messages held back during key exchange", text);
    }

    private static byte[] CompressibleText(int round, int bytes) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, bytes / 8 + 1).Select(i => $"r{round} line {i % 997,5}\n")))[..bytes];

    /// <summary>
    /// zlib@openssh.com starts with the first packet after USERAUTH_SUCCESS, in both directions.
    /// When a rekey runs during authentication, the success is held back past the server's
    /// NEWKEYS; that NEWKEYS must not start compression (it did, so the client got a compressed
    /// USERAUTH_SUCCESS it could not read), and the success must start it afterwards.
    /// </summary>
    [Theory]
    [InlineData("server")]
    [InlineData("client")]
    public async Task DelayedCompressionStartsWithUserAuthSuccessWhenARekeyRunsDuringAuthentication(string startedBy)
    {
        await using var server = new TestServer();
        if (startedBy == "server")
        {
            server.BeforeAuthenticate = r => r.Session.StartKeyExchangeAsync();
        }

        await using var c = server.ConnectInMemory(out _);
        c.Compression = "zlib@openssh.com";
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        var request = new Action<SshWriter>(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString("u");
            w.WriteString("ssh-connection");
            w.WriteString("password");
            w.WriteBoolean(false);
            w.WriteString("p");
        });
        if (startedBy == "server")
        {
            await c.SendAsync(request);
            var kexInit = await c.ReceiveSkippingBannerAsync();
            Assert.Equal(SshMessageNumber.KexInit, kexInit[0]);
            await c.KeyExchangeAsync(serverKexInitAlreadyRead: kexInit);
        }
        else
        {
            await c.KeyExchangeAsync(script: new KexScript { AfterKexInit = cl => cl.SendAsync(request) });
        }

        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.ReceiveSkippingBannerAsync())[0]);
        var session = server.Server.Sessions.Single();
        Assert.Equal(2, session.KeyExchangeCount);
        Assert.Equal("zlib@openssh.com", session.Algorithms!.CompressionClientToServer);

        // Both directions compressed from here on (the test client compresses after the success).
        var text = CompressibleText(0, 300_000);
        var channel = await TestChannel.ExecAsync(c, "sha256");
        await channel.SendAsync(text);
        await channel.SendEofAsync();
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(text))} {text.Length}\n", Encoding.ASCII.GetString(await channel.ReadToCloseAsync()));
    }

    /// <summary>
    /// Each NEWKEYS restarts the zlib streams on both sides (as OpenSSH does); data the client
    /// compresses inside its rekey belongs to the old stream, and the server's output across its
    /// own rekeys to a new stream each time.
    /// </summary>
    [Theory]
    [InlineData("zlib@openssh.com")]
    [InlineData("zlib")]
    public async Task CompressedDataSurvivesRekeysStartedByEitherSide(string compression)
    {
        // Plain zlib (compression from the first encrypted packet) is offered only by name.
        await using var server = new TestServer(o =>
        {
            o.RekeyBytes = 256 * 1024;
            o.Compressions = ["none", "zlib@openssh.com", "zlib"];
        });
        await using var c = server.ConnectInMemory(out _);
        c.Compression = compression;
        await c.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.PasswordAsync("u", "p"))[0]);
        var session = server.Server.Sessions.Single();

        var upload = await TestChannel.ExecAsync(c, "sha256");
        var sent = new MemoryStream();
        Task SendText(int round, int bytes, bool reading)
        {
            var text = CompressibleText(round, bytes);
            sent.Write(text);
            return reading ? upload.SendAsync(text) : upload.SendWithoutReadingAsync(text);
        }

        for (int round = 0; round < 4; round++)
        {
            await SendText(round, 200_000, reading: true);
            await c.KeyExchangeAsync(script: new KexScript
            {
                AfterKexInit = _ => SendText(round + 100, 50_000, reading: false),
                BeforeNewKeys = _ => SendText(round + 200, 30_000, reading: false),
                BeforeServerKexInit = upload.HandleAsync,
            });
        }

        await upload.SendEofAsync();
        Assert.Equal(Sha256Line(sent), Encoding.ASCII.GetString(await upload.ReadToCloseAsync()));

        const int total = 2 << 20;
        var download = await TestChannel.ExecAsync(c, $"pattern {total}");
        download.DuringServerRekey = new KexScript { AfterKexInit = _ => download.SendWindowAdjustAsync() };
        Assert.Equal(SHA256.HashData(TestPattern.Bytes(0, total)), SHA256.HashData(await download.ReadToCloseAsync()));
        Assert.True(download.ServerStartedKeyExchanges >= 4, $"{download.ServerStartedKeyExchanges} server rekeys");
        Assert.Equal(compression, session.Algorithms!.CompressionServerToClient);
        Assert.Equal(1 + 4 + session.ServerInitiatedRekeys, session.KeyExchangeCount);
    }

    /// <summary>
    /// A rekey while keyboard-interactive waits for the user's answer: the prompt is held back
    /// until the exchange ends and the server keeps waiting for the answer through it (it used
    /// to abandon the prompt on the first key exchange message, and then disconnected on the
    /// answer as unexpected).
    /// </summary>
    [Theory]
    [InlineData("server")]
    [InlineData("client")]
    public async Task KeyboardInteractiveSurvivesARekeyDuringThePrompt(string startedBy)
    {
        await using var server = new TestServer();
        if (startedBy == "server")
        {
            server.BeforeAuthenticate = r => r.Session.StartKeyExchangeAsync();
        }

        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        var request = new Action<SshWriter>(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString("ki");
            w.WriteString("ssh-connection");
            w.WriteString("keyboard-interactive");
            w.WriteString("");
            w.WriteString("");
        });
        if (startedBy == "server")
        {
            await c.SendAsync(request);
            var kexInit = await c.ReceiveSkippingBannerAsync();
            Assert.Equal(SshMessageNumber.KexInit, kexInit[0]);
            await c.KeyExchangeAsync(serverKexInitAlreadyRead: kexInit);
        }
        else
        {
            await c.KeyExchangeAsync(script: new KexScript { AfterKexInit = cl => cl.SendAsync(request) });
        }

        var prompt = await c.ReceiveSkippingBannerAsync();
        Assert.Equal(SshMessageNumber.UserAuth60, prompt[0]);
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthInfoResponse);
            w.WriteUInt32(2);
            w.WriteString("p");
            w.WriteString("42");
        });
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.ReceiveAsync())[0]);
        Assert.Equal(2, server.Server.Sessions.Single().KeyExchangeCount);
    }
}
