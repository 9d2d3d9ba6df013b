using System.Numerics;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>diffie-hellman-group-exchange-sha256 (RFC 4419): group choice and request bounds.</summary>
public class GroupExchangeTests
{
    [Theory]
    // OpenSSH client defaults: min 2048, n by cipher strength, max 8192.
    [InlineData(2048u, 2048u, 8192u, 2048)]
    [InlineData(2048u, 3072u, 8192u, 3072)]
    [InlineData(2048u, 4000u, 8192u, 4096)]
    [InlineData(2048u, 5000u, 8192u, 6144)]
    [InlineData(2048u, 7680u, 8192u, 8192)]
    [InlineData(2048u, 8192u, 8192u, 8192)]
    // Clamped OpenSSH-style: below 2048 becomes 2048, above 8192 becomes 8192.
    [InlineData(1024u, 1024u, 8192u, 2048)]
    [InlineData(1024u, 1536u, 2048u, 2048)]
    [InlineData(2048u, 16384u, 16384u, 8192)]
    // No group of at least n within max: the largest one within [min, max].
    [InlineData(3000u, 3500u, 4000u, 3072)]
    [InlineData(2048u, 6000u, 6000u, 4096)]
    public void ServerPicksTheSmallestGroupAtLeastN(uint min, uint n, uint max, int expectedBits)
    {
        Assert.Equal(expectedBits, GroupExchangeServer.SelectGroup(min, n, max).Bits);
        Assert.Equal(expectedBits, RequestGroup(min, n, max).GetBitLength());
    }

    [Theory]
    [InlineData(4096u, 3072u, 8192u)]      // n < min
    [InlineData(2048u, 8192u, 4096u)]      // n > max
    [InlineData(8192u, 8192u, 4096u)]      // min > max
    [InlineData(1024u, 1024u, 1024u)]      // max < 2048
    [InlineData(1024u, 1024u, 2047u)]      // max < 2048
    [InlineData(9000u, 9000u, 9000u)]      // min above the largest group
    [InlineData(2049u, 2050u, 2060u)]      // no group in range
    [InlineData(6200u, 7000u, 8000u)]      // no group in range
    [InlineData(2048u, 3072u, 16385u)]     // beyond the request bound
    [InlineData(2048u, 0xffffffffu, 8192u)]
    [InlineData(0xffffffffu, 3072u, 8192u)]
    [InlineData(0u, 0u, 0u)]
    public void ServerRefusesBadRequests(uint min, uint n, uint max)
    {
        var ex = Assert.Throws<SshConnectionException>(() => RequestGroup(min, n, max));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    [Fact]
    public void ServerRefusesTheOldRequest()
    {
        using var harness = new KexHarness();
        using var server = Algorithm().CreateServer(harness.ServerContext());
        var ex = Assert.Throws<SshConnectionException>(() => server.Handle([30, 0, 0, 0x0c, 0]));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    [Fact]
    public void ServerRejectsEOutOfRangeForTheChosenGroup()
    {
        using var harness = new KexHarness();
        using var server = Algorithm().CreateServer(harness.ServerContext());
        server.Handle(Request(2048, 2048, 2048));
        var ex = Assert.Throws<SshConnectionException>(() => server.Handle(Message(32, w => w.WriteMpint(DiffieHellmanGroup.Group14.P - 1))));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    [Theory]
    [InlineData(2048u, 2048u, 2048u)]
    [InlineData(2048u, 8192u, 8192u)]
    [InlineData(4096u, 6144u, 8192u)]
    public void ClientAndServerAgreeForOtherRequests(uint min, uint n, uint max)
    {
        using var harness = new KexHarness();
        using var server = Algorithm().CreateServer(harness.ServerContext());
        using var client = new GroupExchangeClient(harness.ClientContext(), Algorithm().HashAlgorithm, min, n, max);
        KexHarness.Run(client, server);
        Assert.Equal(server.Result!.ExchangeHash, client.Result!.ExchangeHash);
        Assert.Equal(server.Result.SharedSecret, client.Result.SharedSecret);
    }

    public static TheoryData<string> BadGroups() => ["small", "large", "even", "g=1", "g=p-1", "g=0"];

    [Theory]
    [MemberData(nameof(BadGroups))]
    public void ClientRejectsABadGroup(string kind)
    {
        var p14 = DiffieHellmanGroup.Group14.P;
        var (p, g) = kind switch
        {
            "small" => ((BigInteger.One << 1535) + 1, new BigInteger(2)),
            "large" => ((BigInteger.One << 8192) + 1, new BigInteger(2)),
            "even" => (p14 + 1, new BigInteger(2)),
            "g=1" => (p14, BigInteger.One),
            "g=p-1" => (p14, p14 - 1),
            "g=0" => (p14, BigInteger.Zero),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        using var client = new GroupExchangeClient(KexHarness.ClientContext((_, _, _) => true), Algorithm().HashAlgorithm, 2048, 3072, 8192);
        client.Start();
        var ex = Assert.Throws<SshConnectionException>(() => client.Handle(Message(31, w =>
        {
            w.WriteMpint(p);
            w.WriteMpint(g);
        })));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    private static KeyExchangeAlgorithm Algorithm()
    {
        Assert.True(KeyExchangeCatalog.TryGet("diffie-hellman-group-exchange-sha256", out var algorithm));
        return algorithm;
    }

    private static BigInteger RequestGroup(uint min, uint n, uint max)
    {
        using var harness = new KexHarness();
        using var server = Algorithm().CreateServer(harness.ServerContext());
        var reply = Assert.Single(server.Handle(Request(min, n, max)));
        var r = new SshReader(reply);
        Assert.Equal(31, r.ReadByte());
        var p = r.ReadMpint();
        Assert.Equal(2, r.ReadMpint());
        r.EnsureEnd();
        return p;
    }

    private static byte[] Request(uint min, uint n, uint max) => Message(34, w =>
    {
        w.WriteUInt32(min);
        w.WriteUInt32(n);
        w.WriteUInt32(max);
    });

    private static byte[] Message(byte number, Action<SshWriter> body)
    {
        using var w = new SshWriter();
        w.WriteByte(number);
        body(w);
        return w.ToArray();
    }
}
