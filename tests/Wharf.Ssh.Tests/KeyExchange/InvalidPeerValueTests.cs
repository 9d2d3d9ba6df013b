using System.Numerics;
using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>Peer public values that must end the exchange with KeyExchangeFailed (SECURITY.md, key exchange values).</summary>
public class InvalidPeerValueTests
{
    public static TheoryData<string, int> BadDhValues()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512" })
        {
            // 0: e = 0, 1: e = 1, 2: p − 1, 3: p, 4: p + 1, 5: −1, 6: −p + 2 (≡ 2, but negative)
            for (int i = 0; i <= 6; i++)
            {
                data.Add(name, i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadDhValues))]
    public void ServerRejectsDhValueOutOfRange(string name, int which)
    {
        var p = name.Contains("group14") ? DiffieHellmanGroup.Group14.P : DiffieHellmanGroup.Group16.P;
        var e = BadValue(p, which);
        AssertServerRejects(name, Message(30, w => w.WriteMpint(e)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void DhRangeCheckRejectsOnReadBeforeAnyExponentiation(int which)
    {
        // The exchange-level tests above would also pass through the later 1 < K < p − 1 check;
        // this pins down that RFC 4253 §8's check on the value itself is what rejects it.
        var group = DiffieHellmanGroup.Group14;
        using var agreement = new DiffieHellmanKeyAgreement(group.P, group.G, group.ExponentBits);
        var encoded = Mpint(BadValue(group.P, which));
        AssertFails(() =>
        {
            var r = new SshReader(encoded);
            agreement.ReadPeerPublic(ref r);
        });

        var ok = Mpint(2);
        var r2 = new SshReader(ok);
        agreement.ReadPeerPublic(ref r2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ClientRejectsDhValueOutOfRange(int which)
    {
        Assert.True(KeyExchangeCatalog.TryGet("diffie-hellman-group14-sha256", out var algorithm));

        // The verifier accepts anything, so only the range check can stop this reply.
        using var client = algorithm.CreateClient(KexHarness.ClientContext((_, _, _) => true));
        client.Start();
        var f = BadValue(DiffieHellmanGroup.Group14.P, which);
        var reply = Message(31, w =>
        {
            w.WriteBinary("fake-host-key"u8);
            w.WriteMpint(f);
            w.WriteBinary([0, 0, 0, 0, 0, 0, 0, 0]);
        });
        AssertFails(() => client.Handle(reply));
    }

    [Fact]
    public void ClientAcceptsAValidDhValueWhenTheVerifierDoes()
    {
        // Counterpart of the test above: the same forged reply with f = 2 is accepted, proving the
        // rejections come from the range check and not from the fake signature or encoding.
        Assert.True(KeyExchangeCatalog.TryGet("diffie-hellman-group14-sha256", out var algorithm));
        using var client = algorithm.CreateClient(KexHarness.ClientContext((_, _, _) => true));
        client.Start();
        client.Handle(Message(31, w =>
        {
            w.WriteBinary("fake-host-key"u8);
            w.WriteMpint(2);
            w.WriteBinary([0, 0, 0, 0, 0, 0, 0, 0]);
        }));
        Assert.NotNull(client.Result);
    }

    public static TheoryData<string> BadX25519Points() =>
    [
        // Wrong lengths (RFC 8731 §3).
        new string('0', 62),
        new string('0', 66),
        "",
        // Low-order points: the shared secret is all zero whatever the scalar (RFC 7748 §6.1).
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p − 1
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (≡ 0)
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 (≡ 1)
    ];

    [Theory]
    [MemberData(nameof(BadX25519Points))]
    public void ServerRejectsBadX25519Point(string hex)
    {
        var q = Convert.FromHexString(hex);
        AssertServerRejects("curve25519-sha256", Message(30, w => w.WriteBinary(q)));
        AssertServerRejects("curve25519-sha256@libssh.org", Message(30, w => w.WriteBinary(q)));
    }

    [Fact]
    public void ClientRejectsLowOrderX25519Point()
    {
        Assert.True(KeyExchangeCatalog.TryGet("curve25519-sha256", out var algorithm));
        using var client = algorithm.CreateClient(KexHarness.ClientContext((_, _, _) => true));
        client.Start();
        AssertFails(() => client.Handle(Message(31, w =>
        {
            w.WriteBinary("fake-host-key"u8);
            w.WriteBinary(new byte[32]);
            w.WriteBinary([0, 0, 0, 0]);
        })));
    }

    public static TheoryData<string, int, string> BadEcdhPoints()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var (name, size) in new[] { ("ecdh-sha2-nistp256", 32), ("ecdh-sha2-nistp384", 48), ("ecdh-sha2-nistp521", 66) })
        {
            foreach (var kind in new[] { "off-curve", "compressed", "short", "long", "infinity", "zero", "coordinates-too-large", "hybrid" })
            {
                data.Add(name, size, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadEcdhPoints))]
    public void ServerRejectsBadEcdhPoint(string name, int size, string kind)
    {
        var curve = size switch { 32 => ECCurve.NamedCurves.nistP256, 48 => ECCurve.NamedCurves.nistP384, _ => ECCurve.NamedCurves.nistP521 };
        using var ecdh = ECDiffieHellman.Create(curve);
        var qp = ecdh.ExportParameters(false).Q;
        byte[] valid = [0x04, .. qp.X!, .. qp.Y!];
        byte[] q = kind switch
        {
            "off-curve" => FlipLastBit(valid),
            "compressed" => [(byte)(0x02 | (qp.Y![^1] & 1)), .. qp.X!],
            "short" => valid[..^1],
            "long" => [.. valid, 0],
            "infinity" => [0x00],
            "zero" => [0x04, .. new byte[2 * size]],
            "coordinates-too-large" => [0x04, .. Enumerable.Repeat((byte)0xff, 2 * size)],
            "hybrid" => [(byte)(0x06 | (qp.Y![^1] & 1)), .. valid[1..]],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        AssertServerRejects(name, Message(30, w => w.WriteBinary(q)));
    }

    [Fact]
    public void ServerAcceptsTheValidPointTheBadOnesAreMadeFrom()
    {
        // Counterpart of the tests above: the unmodified point goes through.
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var qp = ecdh.ExportParameters(false).Q;
        Assert.True(KeyExchangeCatalog.TryGet("ecdh-sha2-nistp256", out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        Assert.Single(server.Handle(Message(30, w => w.WriteBinary([0x04, .. qp.X!, .. qp.Y!]))));
        Assert.NotNull(server.Result);
    }

    [Fact]
    public void ClientRejectsOffCurveEcdhPoint()
    {
        using var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var qp = ecdh.ExportParameters(false).Q;
        Assert.True(KeyExchangeCatalog.TryGet("ecdh-sha2-nistp256", out var algorithm));
        using var client = algorithm.CreateClient(KexHarness.ClientContext((_, _, _) => true));
        client.Start();
        AssertFails(() => client.Handle(Message(31, w =>
        {
            w.WriteBinary("fake-host-key"u8);
            w.WriteBinary(FlipLastBit([0x04, .. qp.X!, .. qp.Y!]));
            w.WriteBinary([0, 0, 0, 0]);
        })));
    }

    private static BigInteger BadValue(BigInteger p, int which) => which switch
    {
        0 => BigInteger.Zero,
        1 => BigInteger.One,
        2 => p - 1,
        3 => p,
        4 => p + 1,
        5 => BigInteger.MinusOne,
        6 => 2 - p,
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };

    private static byte[] Mpint(BigInteger value)
    {
        using var w = new SshWriter();
        w.WriteMpint(value);
        return w.ToArray();
    }

    private static byte[] FlipLastBit(byte[] point)
    {
        var copy = (byte[])point.Clone();
        copy[^1] ^= 1;
        return copy;
    }

    private static void AssertServerRejects(string name, byte[] init)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        AssertFails(() => server.Handle(init));
        Assert.Null(server.Result);
    }

    private static void AssertFails(Action action)
    {
        var ex = Assert.Throws<SshConnectionException>(action);
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    private static byte[] Message(byte number, Action<SshWriter> body)
    {
        using var w = new SshWriter();
        w.WriteByte(number);
        body(w);
        return w.ToArray();
    }
}
