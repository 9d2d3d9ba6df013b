using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Authentication;

public sealed class UserAuthenticationTests
{
    private static async Task<byte[]> SendAuthAsync(SshTestClient c, string user, string method, Action<SshWriter>? rest = null)
    {
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString(user);
            w.WriteString("ssh-connection");
            w.WriteString(method);
            rest?.Invoke(w);
        });
        return await c.ReceiveSkippingBannerAsync();
    }

    private static (string[] Methods, bool Partial) ReadFailure(byte[] reply)
    {
        Assert.Equal(SshMessageNumber.UserAuthFailure, reply[0]);
        var r = new SshReader(reply.AsSpan(1));
        return (r.ReadNameList(), r.ReadBoolean());
    }

    [Fact]
    public async Task NoneIsRejectedListingMethodsAfterTheBanner()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString("u");
            w.WriteString("ssh-connection");
            w.WriteString("none");
        });
        var banner = await c.ReceiveAsync();
        Assert.Equal(SshMessageNumber.UserAuthBanner, banner[0]);
        Assert.Equal("hello banner", new SshReader(banner.AsSpan(1)).ReadString());
        var (methods, partial) = ReadFailure(await c.ReceiveAsync());
        Assert.Equal(["publickey", "password", "keyboard-interactive"], methods);
        Assert.False(partial);
        Assert.Equal(0, server.AuthenticationCalls);
    }

    [Fact]
    public async Task UnknownAndKnownUsersGetTheSameFailure()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        var known = await c.PasswordAsync("u", "wrong");
        var unknown = await c.PasswordAsync("nobody", "wrong", requestService: false);
        Assert.Equal(known, unknown);
    }

    [Fact]
    public async Task ExpiredPasswordMustBeChanged()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        var reply = await c.PasswordAsync("expired", "old");
        Assert.Equal(SshMessageNumber.UserAuth60, reply[0]); // PASSWD_CHANGEREQ
        Assert.Equal("expired", new SshReader(reply.AsSpan(1)).ReadString());
        var done = await SendAuthAsync(c, "expired", "password", w =>
        {
            w.WriteBoolean(true);
            w.WriteString("old");
            w.WriteString("new");
        });
        Assert.Equal(SshMessageNumber.UserAuthSuccess, done[0]);
    }

    [Fact]
    public async Task PublicKeyQueryGetsPkOkAndSignatureLogsIn()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        var key = TestServer.UserKey;
        var blob = key.PublicKey.Blob.ToArray();
        var ok = await SendAuthAsync(c, "u", "publickey", w =>
        {
            w.WriteBoolean(false);
            w.WriteString("ssh-ed25519");
            w.WriteBinary(blob);
        });
        Assert.Equal(SshMessageNumber.UserAuth60, ok[0]); // PK_OK
        var r = new SshReader(ok.AsSpan(1));
        Assert.Equal("ssh-ed25519", r.ReadString());
        Assert.Equal(blob, r.ReadBinaryArray());

        var success = await SendSignedAsync(c, "u", key, c.SessionId);
        Assert.Equal(SshMessageNumber.UserAuthSuccess, success[0]);
    }

    private static Task<byte[]> SendSignedAsync(SshTestClient c, string user, SshPrivateKey key, byte[] sessionId, SshPrivateKey? signer = null)
    {
        var blob = key.PublicKey.Blob.ToArray();
        string alg = key.PublicKey.SignatureAlgorithms[0];
        using var body = new SshWriter();
        body.WriteByte(SshMessageNumber.UserAuthRequest);
        body.WriteString(user);
        body.WriteString("ssh-connection");
        body.WriteString("publickey");
        body.WriteBoolean(true);
        body.WriteString(alg);
        body.WriteBinary(blob);
        using var signed = new SshWriter();
        signed.WriteBinary(sessionId);
        signed.WriteRaw(body.WrittenSpan);
        var sig = (signer ?? key).Sign(alg, signed.WrittenSpan);
        using var sigBlob = new SshWriter();
        sigBlob.WriteString(alg);
        sigBlob.WriteBinary(sig);
        body.WriteBinary(sigBlob.WrittenSpan);
        var payload = body.ToArray();
        return SendAndReceiveAsync(c, payload);
    }

    private static async Task<byte[]> SendAndReceiveAsync(SshTestClient c, byte[] payload)
    {
        await c.SendAsync(payload);
        return await c.ReceiveSkippingBannerAsync();
    }

    [Fact]
    public async Task SignatureOverAnotherSessionIdIsRejected()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        var wrongId = (byte[])c.SessionId.Clone();
        wrongId[0] ^= 1;
        ReadFailure(await SendSignedAsync(c, "u", TestServer.UserKey, wrongId));
    }

    [Fact]
    public async Task SignatureByAnotherKeyIsRejected()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        using var other = SshPrivateKey.Generate("ssh-ed25519");
        ReadFailure(await SendSignedAsync(c, "u", TestServer.UserKey, c.SessionId, signer: other));
        Assert.Equal(1, server.Server.Sessions.Single().AuthenticationFailures);
    }

    [Fact]
    public async Task SmallRsaKeyIsRefusedBeforeTheHostIsAsked()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        using var rsa1024 = new RsaPrivateKey(System.Security.Cryptography.RSA.Create(1024).ExportParameters(true));
        var reply = await SendAuthAsync(c, "u", "publickey", w =>
        {
            w.WriteBoolean(false);
            w.WriteString("rsa-sha2-256");
            w.WriteBinary(rsa1024.PublicKey.Blob.Span);
        });
        ReadFailure(reply);
        Assert.Equal(0, server.AuthenticationCalls);
    }

    [Fact]
    public async Task AlgorithmMustMatchTheKeyType()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        var reply = await SendAuthAsync(c, "u", "publickey", w =>
        {
            w.WriteBoolean(false);
            w.WriteString("rsa-sha2-256");
            w.WriteBinary(TestServer.UserKey.PublicKey.Blob.Span); // an Ed25519 key
        });
        ReadFailure(reply);
        Assert.Equal(0, server.AuthenticationCalls);
    }

    [Fact]
    public async Task KeyboardInteractiveRoundTrip()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        var info = await SendAuthAsync(c, "ki", "keyboard-interactive", w =>
        {
            w.WriteString("");
            w.WriteString("");
        });
        Assert.Equal(SshMessageNumber.UserAuth60, info[0]);
        var r = new SshReader(info.AsSpan(1));
        Assert.Equal("n", r.ReadString());
        Assert.Equal("i", r.ReadString());
        r.ReadString();
        Assert.Equal(2u, r.ReadUInt32());
        Assert.Equal("Password: ", r.ReadString());
        Assert.False(r.ReadBoolean());
        Assert.Equal("Code: ", r.ReadString());
        Assert.True(r.ReadBoolean());
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthInfoResponse);
            w.WriteUInt32(2);
            w.WriteString("p");
            w.WriteString("42");
        });
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.ReceiveAsync())[0]);
    }

    [Fact]
    public async Task KeyboardInteractiveWithWrongResponseCountDisconnects()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        await SendAuthAsync(c, "ki", "keyboard-interactive", w =>
        {
            w.WriteString("");
            w.WriteString("");
        });
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthInfoResponse);
            w.WriteUInt32(1);
            w.WriteString("p");
        });
        var (reason, _) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.ProtocolError, reason);
    }

    [Fact]
    public async Task AbandonedKeyboardInteractiveLetsAnotherMethodProceed()
    {
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        await SendAuthAsync(c, "ki", "keyboard-interactive", w =>
        {
            w.WriteString("");
            w.WriteString("");
        });
        var reply = await c.PasswordAsync("u", "p", requestService: false);
        Assert.Equal(SshMessageNumber.UserAuthSuccess, reply[0]);
    }

    [Fact]
    public async Task DefaultsDoNotOfferKeyboardInteractive()
    {
        // The library cannot answer keyboard-interactive by itself: offered without a host
        // handler, it is a method that can only fail.
        await using var server = new TestServer(o => o.AuthenticationMethods = new SshServerOptions().AuthenticationMethods);
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        var (methods, partial) = ReadFailure(await SendAuthAsync(c, "u", "none"));
        Assert.Equal(["publickey", "password"], methods);
        Assert.False(partial);
    }

    [Fact]
    public async Task RequestsForMethodsNotOfferedDoNotCountAsFailures()
    {
        // Two attempts allowed: were any of the refused requests counted, the connection would
        // be closed before the password below.
        await using var server = new TestServer(o =>
        {
            o.AuthenticationMethods = new SshServerOptions().AuthenticationMethods;
            o.MaxAuthAttempts = 2;
        });
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        await c.RequestUserAuthServiceAsync();
        for (int i = 0; i < 4; i++)
        {
            var (methods, _) = ReadFailure(await SendAuthAsync(c, "ki", "keyboard-interactive", w =>
            {
                w.WriteString("");
                w.WriteString("");
            }));
            Assert.Equal(["publickey", "password"], methods);
            ReadFailure(await SendAuthAsync(c, "u", "hostbased"));
        }

        Assert.Equal(0, server.AuthenticationCalls);
        Assert.Equal(0, server.Server.Sessions.Single().AuthenticationFailures);
        ReadFailure(await c.PasswordAsync("u", "wrong", requestService: false));
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.PasswordAsync("u", "p", requestService: false))[0]);
    }

    [Fact]
    public void UnknownAuthenticationMethodIsAConfigurationError()
    {
        var options = new SshServerOptions { AuthenticationMethods = ["publickey", "hostbased"] };
        options.HostKeys.Add(TestServer.HostKey);
        var ex = Assert.Throws<ArgumentException>(() => new SshServer(options).ValidateOptions());
        Assert.Contains("hostbased", ex.Message);
    }

    [Fact]
    public async Task TooManyFailuresDisconnect()
    {
        await using var server = new TestServer(o => o.MaxAuthAttempts = 3);
        await using var c = server.ConnectInMemory(out _);
        await c.HandshakeAsync();
        ReadFailure(await c.PasswordAsync("u", "x1"));
        ReadFailure(await c.PasswordAsync("u", "x2", requestService: false));
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString("u");
            w.WriteString("ssh-connection");
            w.WriteString("password");
            w.WriteBoolean(false);
            w.WriteString("x3");
        });
        var (reason, text) = await c.ExpectDisconnectAsync();
        Assert.Equal(SshDisconnectReason.NoMoreAuthMethodsAvailable, reason);
        Assert.Contains("Too many authentication failures", text);
    }

    [Fact]
    public async Task LoginGraceTimeEndsUnauthenticatedConnections()
    {
        await using var server = new TestServer(o => o.LoginGraceTime = TimeSpan.FromMilliseconds(500));
        await using var c = server.ConnectInMemory(out var session);
        await c.HandshakeAsync();
        await session.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("login grace time", server.Server.Sessions.Count == 0 ? (await c.ExpectDisconnectAsync()).Text : "still running");
    }

    [Fact]
    public async Task RequestsAfterSuccessAreIgnored()
    {
        await using var server = new TestServer();
        await using var c = await server.ConnectAuthenticatedAsync();
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString("someone-else");
            w.WriteString("ssh-connection");
            w.WriteString("none");
        });
        await c.OpenSessionAsync();
        Assert.Equal("u", server.Server.Sessions.Single().UserName);
    }
}
