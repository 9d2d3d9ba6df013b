using System.Numerics;
using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>
/// The test plays the client by hand, computes K and H from the RFC formulas itself, and checks
/// the server's values and signature against them, so a hash-layout mistake shared by both
/// parties cannot hide.
/// </summary>
public class ServerExchangeHashTests
{
    [Theory]
    [InlineData("curve25519-sha256")]
    [InlineData("curve25519-sha256@libssh.org")]
    public void Curve25519MatchesRfc8731(string name)
    {
        var priv = RandomNumberGenerator.GetBytes(32);
        var qc = new byte[32];
        X25519.ScalarMultBase(priv, 0, qc, 0);

        ExchangeWithServer(name, HashAlgorithmName.SHA256, Init(w => w.WriteBinary(qc)), (ref SshReader r, SshWriter hashInput) =>
        {
            var qs = r.ReadBinaryArray();
            Assert.Equal(32, qs.Length);
            var x = new byte[32];
            X25519.ScalarMult(priv, 0, qs, 0, x, 0);

            // RFC 5656 §4 hash layout; RFC 8731 §3.1: the 32 bytes are a big-endian unsigned integer.
            hashInput.WriteBinary(qc);
            hashInput.WriteBinary(qs);
            return new BigInteger(x, isUnsigned: true, isBigEndian: true);
        });
    }

    [Theory]
    [InlineData("ecdh-sha2-nistp256", 32)]
    [InlineData("ecdh-sha2-nistp384", 48)]
    [InlineData("ecdh-sha2-nistp521", 66)]
    public void EcdhMatchesRfc5656(string name, int fieldBytes)
    {
        var curve = fieldBytes switch { 32 => ECCurve.NamedCurves.nistP256, 48 => ECCurve.NamedCurves.nistP384, _ => ECCurve.NamedCurves.nistP521 };
        var hash = fieldBytes switch { 32 => HashAlgorithmName.SHA256, 48 => HashAlgorithmName.SHA384, _ => HashAlgorithmName.SHA512 };
        using var ecdh = ECDiffieHellman.Create(curve);
        var p = ecdh.ExportParameters(false);
        byte[] qc = [0x04, .. p.Q.X!, .. p.Q.Y!];
        Assert.Equal(1 + 2 * fieldBytes, qc.Length);

        ExchangeWithServer(name, hash, Init(w => w.WriteBinary(qc)), (ref SshReader r, SshWriter hashInput) =>
        {
            var qs = r.ReadBinaryArray();
            Assert.Equal(1 + 2 * fieldBytes, qs.Length);
            Assert.Equal(0x04, qs[0]);
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = curve,
                Q = new ECPoint { X = qs[1..(1 + fieldBytes)], Y = qs[(1 + fieldBytes)..] },
            });
            var x = ecdh.DeriveRawSecretAgreement(peer.PublicKey);
            hashInput.WriteBinary(qc);
            hashInput.WriteBinary(qs);
            return new BigInteger(x, isUnsigned: true, isBigEndian: true);
        });
    }

    [Theory]
    [InlineData("diffie-hellman-group14-sha256", 2048)]
    [InlineData("diffie-hellman-group14-sha1", 2048)]
    [InlineData("diffie-hellman-group16-sha512", 4096)]
    public void FixedGroupMatchesRfc4253(string name, int bits)
    {
        var group = DiffieHellmanGroup.All.Single(g => g.Bits == bits);
        var hash = name.EndsWith("sha1") ? HashAlgorithmName.SHA1 : name.EndsWith("sha256") ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;
        var x = new BigInteger(RandomNumberGenerator.GetBytes(40), isUnsigned: true);
        var e = BigInteger.ModPow(2, x, group.P);

        ExchangeWithServer(name, hash, Init(w => w.WriteMpint(e), 30), (ref SshReader r, SshWriter hashInput) =>
        {
            var f = r.ReadMpint();
            Assert.True(f > 1 && f < group.P - 1);
            hashInput.WriteMpint(e);
            hashInput.WriteMpint(f);
            return BigInteger.ModPow(f, x, group.P);
        });
    }

    [Fact]
    public void GroupExchangeMatchesRfc4419()
    {
        Assert.True(KeyExchangeCatalog.TryGet("diffie-hellman-group-exchange-sha256", out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());

        // A request that is hashed exactly as sent even though the server clamps min to 2048.
        const uint min = 1024, n = 3072, max = 8192;
        var group = Assert.Single(server.Handle(Init(w =>
        {
            w.WriteUInt32(min);
            w.WriteUInt32(n);
            w.WriteUInt32(max);
        }, 34)));
        var gr = new SshReader(group);
        Assert.Equal(31, gr.ReadByte());
        var p = gr.ReadMpint();
        var g = gr.ReadMpint();
        gr.EnsureEnd();
        Assert.Equal(DiffieHellmanGroup.Group15.P, p);
        Assert.Equal(2, g);

        var x = new BigInteger(RandomNumberGenerator.GetBytes(40), isUnsigned: true);
        var e = BigInteger.ModPow(g, x, p);
        var reply = Assert.Single(server.Handle(Init(w => w.WriteMpint(e), 32)));

        var r = new SshReader(reply);
        Assert.Equal(33, r.ReadByte());
        var ks = r.ReadBinaryArray();
        var f = r.ReadMpint();
        var sig = r.ReadBinaryArray();
        r.EnsureEnd();

        var k = BigInteger.ModPow(f, x, p);
        using var h = Prefix(ks);
        h.WriteUInt32(min);
        h.WriteUInt32(n);
        h.WriteUInt32(max);
        h.WriteMpint(p);
        h.WriteMpint(g);
        h.WriteMpint(e);
        h.WriteMpint(f);
        CheckServer(server, harness, HashAlgorithmName.SHA256, h, k, ks, sig);
    }

    private delegate BigInteger ReadServerPublic(ref SshReader r, SshWriter hashInput);

    private static void ExchangeWithServer(string name, HashAlgorithmName hash, byte[] init, ReadServerPublic readServerPublic)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        Assert.Equal(hash, algorithm.HashAlgorithm);
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        var reply = Assert.Single(server.Handle(init));

        var r = new SshReader(reply);
        Assert.Equal(31, r.ReadByte());
        var ks = r.ReadBinaryArray();
        using var h = Prefix(ks);
        var k = readServerPublic(ref r, h);
        var sig = r.ReadBinaryArray();
        r.EnsureEnd();
        CheckServer(server, harness, hash, h, k, ks, sig);
    }

    private static void CheckServer(KeyExchangeParty server, KexHarness harness, HashAlgorithmName hash, SshWriter hashInput, BigInteger k, byte[] ks, byte[] sig)
    {
        using var kw = new SshWriter();
        kw.WriteMpint(k);
        var kWire = kw.ToArray();
        hashInput.WriteRaw(kWire);
        var expectedH = CryptographicOperations.HashData(hash, hashInput.WrittenSpan);

        var result = server.Result!;
        Assert.Equal(kWire, result.SharedSecret);
        Assert.Equal(expectedH, result.ExchangeHash);
        Assert.Equal(harness.HostKey.PublicKey.Blob.ToArray(), ks);
        Assert.True(harness.Verify(ks, expectedH, sig));
    }

    private static SshWriter Prefix(byte[] ks)
    {
        var w = new SshWriter();
        w.WriteBinary(KexHarness.ClientVersion);
        w.WriteBinary(KexHarness.ServerVersion);
        w.WriteBinary(KexHarness.ClientKexInit);
        w.WriteBinary(KexHarness.ServerKexInit);
        w.WriteBinary(ks);
        return w;
    }

    private static byte[] Init(Action<SshWriter> body, byte number = 30)
    {
        using var w = new SshWriter();
        w.WriteByte(number);
        body(w);
        return w.ToArray();
    }
}
