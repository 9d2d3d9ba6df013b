using System.Buffers.Binary;
using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Transport;

/// <summary>Malformed packets, tampered packets and messages out of place: each ends that connection with the right reason.</summary>
public sealed class PacketTests
{
    private static byte[] Plain(uint packetLength, byte padding, int totalBytes)
    {
        var b = new byte[totalBytes];
        BinaryPrimitives.WriteUInt32BigEndian(b, packetLength);
        b[4] = padding;
        b[5] = SshMessageNumber.Ignore;
        return b;
    }

    public static TheoryData<uint, byte, int> BadHeaders => new()
    {
        { 0x7fffffff, 4, 64 },   // oversized
        { 0xffffffff, 4, 64 },   // "negative"
        { 1, 0, 16 },            // too short
        { 13, 4, 32 },           // not a multiple of the block size
        { 12, 2, 16 },           // padding below 4
        { 12, 11, 16 },          // padding leaves no payload
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task MalformedPlaintextPacketIsAProtocolError(uint length, byte padding, int total)
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out var session);
        await c.SendVersionAsync();
        await c.SendRawAsync(Plain(length, padding, total));
        var (reason, _) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        await session.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static TheoryData<string, string, int> TamperCases => new()
    {
        { "aes128-gcm@openssh.com", "", 5 },     // padding length
        { "aes128-gcm@openssh.com", "", 12 },    // payload
        { "aes128-gcm@openssh.com", "", -1 },    // tag
        { "chacha20-poly1305@openssh.com", "", 9 },
        { "chacha20-poly1305@openssh.com", "", -1 },
        { "aes128-ctr", "hmac-sha2-256-etm@openssh.com", 10 },
        { "aes128-ctr", "hmac-sha2-256-etm@openssh.com", -1 },
        { "aes128-ctr", "hmac-sha2-256", 20 },
        { "aes256-ctr", "hmac-sha2-512", 40 },
    };

    [Theory]
    [MemberData(nameof(TamperCases))]
    public async Task TamperedPacketIsAMacError(string cipher, string mac, int offset)
    {
        await using var server = new TestServer(o => o.Macs = [.. o.Macs, "hmac-sha2-512"]);
        await using var c = server.ConnectInMemory(out _);
        c.Cipher = cipher;
        if (mac.Length > 0)
        {
            c.Mac = mac;
        }

        await c.HandshakeAsync();
        using var w = new SshWriter();
        w.WriteByte(SshMessageNumber.Ignore);
        w.WriteBinary(new byte[100]);
        await c.SendTamperedAsync(w.ToArray(), offset);
        var (reason, _) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.MacError, reason);
    }

    [Theory]
    [InlineData("aes128-gcm@openssh.com", "")]
    [InlineData("aes128-ctr", "hmac-sha2-256-etm@openssh.com")]
    public async Task TamperedClearLengthBeyondTheLimitIsRejectedBeforeReadingMore(string cipher, string mac)
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        c.Cipher = cipher;
        if (mac.Length > 0)
        {
            c.Mac = mac;
        }

        await c.HandshakeAsync();
        // Flipping the top bit of the length asks for a 2 GiB packet: refused at once, nothing allocated.
        await c.SendTamperedAsync(new byte[] { SshMessageNumber.Ignore, 0, 0, 0, 0 }, 0);
        Assert.Equal(SshDisconnectReason.ProtocolError, (await c.ExpectDisconnectAsync()).Reason);
    }

    [Fact]
    public async Task UserAuthBeforeKeyExchangeIsAProtocolError()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.SendVersionAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString("u");
            w.WriteString("ssh-connection");
            w.WriteString("none");
        });
        var (reason, text) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains("before the first key exchange", text);
    }

    [Fact]
    public async Task ChannelOpenBeforeAuthenticationIsAProtocolError()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelOpen);
            w.WriteString("session");
            w.WriteUInt32(0);
            w.WriteUInt32(1000);
            w.WriteUInt32(1000);
        });
        var (reason, _) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
    }

    [Fact]
    public async Task UnknownServiceIsRefused()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ServiceRequest);
            w.WriteString("ssh-connection");
        });
        var (reason, _) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ServiceNotAvailable, reason);
    }

    [Fact]
    public async Task UnknownMessageGetsUnimplementedWithItsSequenceNumber()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        uint seq = c.OutgoingSequence;
        await c.SendAsync(new byte[] { 200, 1, 2, 3 });
        var reply = await c.ReceiveAsync();
        Assert.Equal(SshMessageNumber.Unimplemented, reply[0]);
        Assert.Equal(seq, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(1)));
        // The connection goes on.
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.PasswordAsync("u", "p"))[0]);
    }

    [Fact]
    public async Task SecondKexInitInOneExchangeIsAProtocolError()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        var init = new KexInitMessage
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
        await c.SendAsync(init);
        await c.SendAsync(init);
        var (reason, text) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
        Assert.Contains("KEXINIT received twice", text);
    }

    [Fact]
    public async Task KexInitWithNoCommonCipherFails()
    {
        await using var server = new TestServer(o => o.Ciphers = ["aes256-ctr"]);
        await using var c = server.ConnectInMemory(out _);
        c.Cipher = "aes128-gcm@openssh.com";
        await c.SendVersionAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => c.KeyExchangeAsync(first: true));
    }

    [Fact]
    public async Task StrictKexRejectsIgnoreBeforeKexInit()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out var session);
        await c.SendVersionAsync();
        await c.SendAsync(new byte[] { SshMessageNumber.Ignore, 0, 0, 0, 0 });
        await Assert.ThrowsAnyAsync<Exception>(() => c.KeyExchangeAsync(first: true));
        await session.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(server.Server.Sessions);
    }

    [Fact]
    public async Task WithoutStrictKexIgnoreBeforeKexInitIsFine()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        c.Strict = false;
        await c.SendVersionAsync();
        await c.SendAsync(new byte[] { SshMessageNumber.Ignore, 0, 0, 0, 0 });
        await c.KeyExchangeAsync(first: true);
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.PasswordAsync("u", "p"))[0]);
    }

    [Fact]
    public async Task StrictKexIsAnnouncedAndServerSigAlgsSent()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        Assert.Contains("rsa-sha2-512", c.ServerExtensions["server-sig-algs"].Split(','));
        Assert.Contains("ssh-ed25519", c.ServerExtensions["server-sig-algs"].Split(','));
        Assert.True(server.Server.Sessions.Single().IsStrictKex);
    }

    [Fact]
    public async Task ClientInitiatedRekeyKeepsTheSessionGoing()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        await c.KeyExchangeAsync();
        await c.KeyExchangeAsync();
        uint ch = await c.OpenSessionAsync();
        Assert.Equal(3, server.Server.Sessions.Single().KeyExchangeCount);
    }

    [Fact]
    public async Task ServerInitiatedRekeyByByteCount()
    {
        await using var server = new TestServer(o => o.RekeyBytes = 64 * 1024);
        await using var c = await server.ConnectAuthenticatedAsync();
        // Send enough IGNOREs to cross the limit; the server must start a key exchange.
        var filler = new byte[16 * 1024];
        filler[0] = SshMessageNumber.Ignore;
        for (int i = 0; i < 6; i++)
        {
            await c.SendAsync(filler);
        }

        var init = await c.ReceiveAsync();
        Assert.Equal(SshMessageNumber.KexInit, init[0]);
        await c.KeyExchangeAsync(serverKexInitAlreadyRead: init);
        await c.OpenSessionAsync();
        Assert.Equal(2, server.Server.Sessions.Single().KeyExchangeCount);
    }
}
