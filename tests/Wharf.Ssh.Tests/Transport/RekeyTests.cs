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
}
