using Wharf.Ssh.Messages;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh.Tests.Messages;

public sealed class KexInitMessageTests
{
    private static KexInitMessage Sample(string[] kex, string[] ciphers, string[] hostKeys) => new()
    {
        KexAlgorithms = kex,
        ServerHostKeyAlgorithms = hostKeys,
        CiphersClientToServer = ciphers,
        CiphersServerToClient = ciphers,
        MacsClientToServer = ["hmac-sha2-256"],
        MacsServerToClient = ["hmac-sha2-512", "hmac-sha2-256"],
        CompressionClientToServer = ["none"],
        CompressionServerToClient = ["zlib@openssh.com", "none"],
        LanguagesClientToServer = [],
        LanguagesServerToClient = ["en"],
        FirstKexPacketFollows = true,
    };

    [Fact]
    public void RoundTripsEveryField()
    {
        var m = Sample(["curve25519-sha256", "ext-info-c"], ["aes128-ctr"], ["ssh-ed25519"]);
        var back = KexInitMessage.Read(m.ToPayload());
        Assert.Equal(m.Cookie, back.Cookie);
        Assert.Equal(m.KexAlgorithms, back.KexAlgorithms);
        Assert.Equal(m.ServerHostKeyAlgorithms, back.ServerHostKeyAlgorithms);
        Assert.Equal(m.MacsServerToClient, back.MacsServerToClient);
        Assert.Equal(m.CompressionServerToClient, back.CompressionServerToClient);
        Assert.Equal(m.LanguagesServerToClient, back.LanguagesServerToClient);
        Assert.True(back.FirstKexPacketFollows);
        Assert.Equal(m.ToPayload().Length, back.ToPayload().Length);
    }

    [Fact]
    public void TruncatedKexInitIsAProtocolError()
    {
        var payload = Sample(["curve25519-sha256"], ["aes128-ctr"], ["ssh-ed25519"]).ToPayload();
        for (int cut = 1; cut < payload.Length; cut += 7)
        {
            Assert.Throws<SshConnectionException>(() => KexInitMessage.Read(payload.AsSpan(0, cut)));
        }
    }

    [Fact]
    public void NegotiationTakesTheClientsFirstChoiceThatTheServerOffers()
    {
        var client = Sample(["ext-info-c", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256"], ["chacha20-poly1305@openssh.com", "aes128-ctr"], ["ssh-ed25519", "rsa-sha2-512"]);
        var server = Sample(["diffie-hellman-group14-sha256", "curve25519-sha256", "kex-strict-s-v00@openssh.com"], ["aes128-ctr", "chacha20-poly1305@openssh.com"], ["rsa-sha2-512", "ssh-ed25519"]);
        var n = NegotiatedAlgorithms.Negotiate(client, server, c => c.Contains("poly1305"), _ => true);
        Assert.Equal("curve25519-sha256", n.KeyExchange);
        Assert.Equal("chacha20-poly1305@openssh.com", n.CipherClientToServer);
        Assert.Null(n.MacClientToServer); // AEAD: the MAC is not negotiated
        Assert.Equal("ssh-ed25519", n.HostKey);
        Assert.Null(n.MacServerToClient);
    }

    [Fact]
    public void MarkersAreNeverChosenAsKeyExchange()
    {
        var client = Sample(["kex-strict-c-v00@openssh.com", "ext-info-c"], ["aes128-ctr"], ["ssh-ed25519"]);
        var server = Sample(["kex-strict-c-v00@openssh.com", "ext-info-c"], ["aes128-ctr"], ["ssh-ed25519"]);
        var ex = Assert.Throws<SshConnectionException>(() => NegotiatedAlgorithms.Negotiate(client, server, _ => false, _ => true));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }
}
