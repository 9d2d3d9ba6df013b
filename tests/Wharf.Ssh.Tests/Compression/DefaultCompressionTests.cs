using Wharf.Ssh.Messages;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Compression;

/// <summary>What a server with default options offers before anyone has logged in.</summary>
public sealed class DefaultCompressionTests
{
    [Fact]
    public async Task DefaultsOfferNoPreAuthenticationCompression()
    {
        // Plain "zlib" starts with the first encrypted packet, so an unauthenticated client would
        // reach the inflater; zlib@openssh.com waits for USERAUTH_SUCCESS. The server's own
        // KEXINIT, as sent, is what counts.
        await using var server = new TestServer();
        await using var c = server.ConnectInMemory(out _);
        await c.SendVersionAsync();
        var kexInit = KexInitMessage.Read(await c.ReceiveAsync());
        Assert.Equal(["none", "zlib@openssh.com"], kexInit.CompressionClientToServer);
        Assert.Equal(["none", "zlib@openssh.com"], kexInit.CompressionServerToClient);
    }

    [Fact]
    public async Task PlainZlibIsOfferedWhenConfigured()
    {
        await using var server = new TestServer(o => o.Compressions = ["none", "zlib@openssh.com", "zlib"]);
        await using var c = server.ConnectInMemory(out _);
        await c.SendVersionAsync();
        var kexInit = KexInitMessage.Read(await c.ReceiveAsync());
        Assert.Equal(["none", "zlib@openssh.com", "zlib"], kexInit.CompressionClientToServer);
        Assert.Equal(["none", "zlib@openssh.com", "zlib"], kexInit.CompressionServerToClient);
    }
}
