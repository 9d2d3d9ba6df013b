using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>Client and server parties of every method run against each other in memory.</summary>
public class KeyExchangeRoundTripTests
{
    public static TheoryData<string> Methods() => [.. KeyExchangeCatalog.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Methods))]
    public void ClientAndServerAgreeOnKAndH(string name)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        using var client = algorithm.CreateClient(harness.ClientContext());

        KexHarness.Run(client, server);

        var c = client.Result!;
        var s = server.Result!;
        Assert.Equal(s.SharedSecret, c.SharedSecret);
        Assert.Equal(s.ExchangeHash, c.ExchangeHash);
        Assert.Equal(algorithm.HashAlgorithm, c.HashAlgorithm);
        Assert.Equal(algorithm.HashAlgorithm, s.HashAlgorithm);
        Assert.Equal(HashLength(algorithm.HashAlgorithm), c.ExchangeHash.Length);
        Assert.Equal(harness.HostKey.PublicKey.Blob.ToArray(), c.ServerHostKeyBlob);
        Assert.Equal(harness.HostKey.PublicKey.Blob.ToArray(), s.ServerHostKeyBlob);

        // The client asked its verifier about exactly this H, once, and the verifier accepted it.
        var verified = Assert.Single(harness.VerifiedHashes);
        Assert.Equal(c.ExchangeHash, verified);

        var r = new SshReader(c.SharedSecret);
        if (IsHybrid(name))
        {
            // The hybrids' K is a string holding one digest (draft-ietf-sshm-mlkem-hybrid-kex §2.4).
            Assert.Equal(HashLength(algorithm.HashAlgorithm), r.ReadBinary().Length);
            r.EnsureEnd();
            return;
        }

        // K is a well-formed, canonical, positive mpint filling the whole array.
        var k = r.ReadMpintBytes();
        r.EnsureEnd();
        Assert.True(k.Length > 0 && k[0] < 0x80 && (k[0] != 0 || k[1] >= 0x80));
    }

    [Fact]
    public void TwoExchangesGiveDifferentSecrets()
    {
        Assert.True(KeyExchangeCatalog.TryGet("curve25519-sha256", out var algorithm));
        using var harness = new KexHarness();
        var secrets = new List<byte[]>();
        for (int i = 0; i < 2; i++)
        {
            using var server = algorithm.CreateServer(harness.ServerContext());
            using var client = algorithm.CreateClient(harness.ClientContext());
            KexHarness.Run(client, server);
            secrets.Add(client.Result!.SharedSecret);
        }

        Assert.NotEqual(secrets[0], secrets[1]);
    }

    [Theory]
    [InlineData("curve25519-sha256")]
    [InlineData("ecdh-sha2-nistp384")]
    [InlineData("diffie-hellman-group14-sha256")]
    [InlineData("diffie-hellman-group-exchange-sha256")]
    public void RejectedSignatureFailsTheExchange(string name)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        using var harness = new KexHarness();
        bool called = false;
        using var server = algorithm.CreateServer(harness.ServerContext());
        using var client = algorithm.CreateClient(KexHarness.ClientContext((_, _, _) =>
        {
            called = true;
            return false;
        }));

        var ex = Assert.Throws<SshConnectionException>(() => KexHarness.Run(client, server));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
        Assert.True(called);
        Assert.Null(client.Result);
    }

    [Fact]
    public void MissingVerifierFailsTheExchange()
    {
        Assert.True(KeyExchangeCatalog.TryGet("ecdh-sha2-nistp256", out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        using var client = algorithm.CreateClient(KexHarness.ClientContext(null));

        var ex = Assert.Throws<SshConnectionException>(() => KexHarness.Run(client, server));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
        Assert.Null(client.Result);
    }

    [Fact]
    public void TamperedSignatureIsRejectedByARealVerifier()
    {
        Assert.True(KeyExchangeCatalog.TryGet("curve25519-sha256", out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        using var client = algorithm.CreateClient(harness.ClientContext());

        var reply = server.Handle(client.Start()).Single();
        reply[^1] ^= 1; // last byte of s inside the signature blob

        var ex = Assert.Throws<SshConnectionException>(() => client.Handle(reply));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
        Assert.Single(harness.VerifiedHashes);
    }

    [Fact]
    public void ServerWithoutHostKeyCannotBeCreated()
    {
        Assert.True(KeyExchangeCatalog.TryGet("curve25519-sha256", out var algorithm));
        Assert.Throws<InvalidOperationException>(() => algorithm.CreateServer(KexHarness.ClientContext(null)));
    }

    [Theory]
    [InlineData("curve25519-sha256", 31)]
    [InlineData("diffie-hellman-group14-sha256", 32)]
    [InlineData("diffie-hellman-group-exchange-sha256", 32)]
    public void UnexpectedMessageIsAProtocolError(string name, byte number)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        var ex = Assert.Throws<SshConnectionException>(() => server.Handle([number, 0, 0, 0, 0]));
        Assert.Equal(SshDisconnectReason.ProtocolError, ex.Reason);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void MessagesAfterCompletionAreProtocolErrors(string name)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        using var client = algorithm.CreateClient(harness.ClientContext());
        KexHarness.Run(client, server);
        Assert.Equal(SshDisconnectReason.ProtocolError, Assert.Throws<SshConnectionException>(() => server.Handle([30])).Reason);
        Assert.Equal(SshDisconnectReason.ProtocolError, Assert.Throws<SshConnectionException>(() => client.Handle([31])).Reason);
    }

    [Fact]
    public void TrailingBytesAreAProtocolError()
    {
        Assert.True(KeyExchangeCatalog.TryGet("curve25519-sha256", out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        using var client = algorithm.CreateClient(harness.ClientContext());
        byte[] init = [.. client.Start()!, 0];
        var ex = Assert.Throws<SshConnectionException>(() => server.Handle(init));
        Assert.Equal(SshDisconnectReason.ProtocolError, ex.Reason);
    }

    private static bool IsHybrid(string name) => name.StartsWith("mlkem", StringComparison.Ordinal) || name.StartsWith("sntrup", StringComparison.Ordinal);

    private static int HashLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;
}
