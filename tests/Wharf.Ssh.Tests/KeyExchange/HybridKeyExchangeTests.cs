using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>
/// The post-quantum hybrids (draft-ietf-sshm-mlkem-hybrid-kex, draft-ietf-sshm-ntruprime-ssh,
/// OpenSSH's kexmlkem768x25519.c, kexsntrup761x25519.c, kexmlkem768ecdh.c). The test plays the
/// client by hand with BouncyCastle and the BCL, computes K and H from the drafts' formulas, and
/// checks the server's values; then it feeds both parties malformed blobs.
/// </summary>
public class HybridKeyExchangeTests
{
    private const int MlKemPublic = 1184, MlKemCiphertext = 1088, SntrupPublic = 1158, SntrupCiphertext = 1039;

    public static TheoryData<string> Hybrids() =>
        ["mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "mlkem768nistp256-sha256"];

    public static TheoryData<string> X25519Hybrids() =>
        ["mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"];

    [Theory]
    [MemberData(nameof(Hybrids))]
    public void ServerMatchesTheDraftsFormulas(string name)
    {
        var client = HandClient.Create(name);
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        Assert.Equal(client.Hash, algorithm.HashAlgorithm);
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());

        var reply = Assert.Single(server.Handle(Message(30, w => w.WriteBinary(client.Blob))));
        var r = new SshReader(reply);
        Assert.Equal(31, r.ReadByte());
        var ks = r.ReadBinaryArray();
        var serverBlob = r.ReadBinaryArray();
        var sig = r.ReadBinaryArray();
        r.EnsureEnd();

        Assert.Equal(client.CiphertextLength + client.ClassicalLength, serverBlob.Length);
        var kemSecret = client.Decapsulate(serverBlob[..client.CiphertextLength]);
        var classicalSecret = client.Agree(serverBlob[client.CiphertextLength..]);

        // K = string(HASH(kem secret || classical secret)); the classical secret is raw (no mpint).
        var digest = CryptographicOperations.HashData(client.Hash, [.. kemSecret, .. classicalSecret]);
        using var kw = new SshWriter();
        kw.WriteBinary(digest);
        var k = kw.ToArray();

        using var h = new SshWriter();
        h.WriteBinary(KexHarness.ClientVersion);
        h.WriteBinary(KexHarness.ServerVersion);
        h.WriteBinary(KexHarness.ClientKexInit);
        h.WriteBinary(KexHarness.ServerKexInit);
        h.WriteBinary(ks);
        h.WriteBinary(client.Blob);
        h.WriteBinary(serverBlob);
        h.WriteRaw(k);
        var expectedH = CryptographicOperations.HashData(client.Hash, h.WrittenSpan);

        var result = server.Result!;
        Assert.Equal(k, result.SharedSecret);
        Assert.Equal(expectedH, result.ExchangeHash);
        Assert.True(harness.Verify(ks, expectedH, sig));
    }

    [Theory]
    [MemberData(nameof(Hybrids))]
    public void BothPartiesDeriveTheSameStringEncodedK(string name)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        using var harness = new KexHarness();
        using var server = algorithm.CreateServer(harness.ServerContext());
        using var client = algorithm.CreateClient(harness.ClientContext());
        KexHarness.Run(client, server);

        var k = client.Result!.SharedSecret;
        Assert.Equal(server.Result!.SharedSecret, k);
        Assert.Equal(server.Result.ExchangeHash, client.Result.ExchangeHash);

        // A string of exactly one digest, whatever its first byte: an mpint would have dropped
        // leading zeros or added a 0x00 before a high bit.
        int digestLength = name.Contains("sha512") ? 64 : 32;
        Assert.Equal(4 + digestLength, k.Length);
        Assert.Equal([0, 0, 0, (byte)digestLength], k[..4]);
    }

    [Theory]
    [MemberData(nameof(Hybrids))]
    public void ServerRejectsAnInitOfTheWrongLength(string name)
    {
        int expected = HandClient.Create(name).Blob.Length;
        foreach (var length in new[] { 0, 32, expected - 1, expected + 1, MlKemPublic, SntrupPublic })
        {
            AssertServerRejects(name, Message(30, w => w.WriteBinary(new byte[length])));
        }
    }

    [Theory]
    [MemberData(nameof(X25519Hybrids))]
    public void ServerRejectsALowOrderX25519Point(string name)
    {
        var client = HandClient.Create(name);
        foreach (var point in LowOrderPoints())
        {
            byte[] blob = [.. client.Blob[..^32], .. point];
            AssertServerRejects(name, Message(30, w => w.WriteBinary(blob)));
        }
    }

    [Fact]
    public void ServerRejectsAP256PointOffTheCurveOrCompressed()
    {
        var client = HandClient.Create("mlkem768nistp256-sha256");
        var offCurve = new byte[65];
        offCurve[0] = 0x04;
        offCurve[64] = 1;
        byte[] compressed = [0x02, .. client.Blob[(MlKemPublic + 1)..(MlKemPublic + 33)], .. new byte[32]];
        foreach (var point in new[] { offCurve, compressed })
        {
            byte[] blob = [.. client.Blob[..MlKemPublic], .. point];
            AssertServerRejects("mlkem768nistp256-sha256", Message(30, w => w.WriteBinary(blob)));
        }
    }

    [Theory]
    [InlineData("mlkem768x25519-sha256")]
    [InlineData("mlkem768nistp256-sha256")]
    public void ServerRejectsAnMlKemKeyFailingTheModulusCheck(string name)
    {
        var client = HandClient.Create(name);
        var badKey = Convert.FromHexString(File.ReadLines(VectorFile.PathOf("mlkem768-invalid-ek.txt")).First(l => !l.StartsWith('#')));
        byte[] blob = [.. badKey, .. client.Blob[MlKemPublic..]];
        AssertServerRejects(name, Message(30, w => w.WriteBinary(blob)));
    }

    [Theory]
    [MemberData(nameof(Hybrids))]
    public void ClientRejectsAReplyOfTheWrongLength(string name)
    {
        var (harness, server, client, reply) = ServerReply(name);
        using (harness)
        using (server)
        using (client)
        {
            int expected = reply.Blob.Length;
            foreach (var length in new[] { 0, expected - 1, expected + 1 })
            {
                AssertFails(() => client.Handle(Reply(reply.HostKey, new byte[length], reply.Signature)));
            }

            Assert.Null(client.Result);
        }
    }

    [Theory]
    [MemberData(nameof(X25519Hybrids))]
    public void ClientRejectsALowOrderX25519Point(string name)
    {
        foreach (var point in LowOrderPoints())
        {
            var (harness, server, client, reply) = ServerReply(name);
            using (harness)
            using (server)
            using (client)
            {
                byte[] blob = [.. reply.Blob[..^32], .. point];
                AssertFails(() => client.Handle(Reply(reply.HostKey, blob, reply.Signature)));
                Assert.Null(client.Result);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Hybrids))]
    public void ClientRejectsATamperedCiphertextThroughTheSignature(string name)
    {
        // Both KEMs reject implicitly: the client derives an unrelated K, so H differs and the
        // server's signature over the real H does not verify.
        var (harness, server, client, reply) = ServerReply(name);
        using (harness)
        using (server)
        using (client)
        {
            var blob = reply.Blob.ToArray();
            blob[10] ^= 1;
            AssertFails(() => client.Handle(Reply(reply.HostKey, blob, reply.Signature)));
            Assert.Null(client.Result);
        }
    }

    private static IEnumerable<byte[]> LowOrderPoints()
    {
        // u = 0 and u = 1 are of order 1 and 4 on Curve25519; p + 1 is u = 1 unreduced. All force
        // the all-zero shared secret (RFC 7748 §6.1).
        yield return new byte[32];
        var one = new byte[32];
        one[0] = 1;
        yield return one;
        var pPlusOne = Convert.FromHexString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        yield return pPlusOne;
    }

    private sealed record ServerReplyParts(byte[] HostKey, byte[] Blob, byte[] Signature);

    private static (KexHarness Harness, KeyExchangeParty Server, KeyExchangeParty Client, ServerReplyParts Reply) ServerReply(string name)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        var harness = new KexHarness();
        var server = algorithm.CreateServer(harness.ServerContext());
        var client = algorithm.CreateClient(harness.ClientContext());
        var reply = Assert.Single(server.Handle(client.Start()!));
        var r = new SshReader(reply);
        Assert.Equal(31, r.ReadByte());
        var parts = new ServerReplyParts(r.ReadBinaryArray(), r.ReadBinaryArray(), r.ReadBinaryArray());
        r.EnsureEnd();
        return (harness, server, client, parts);
    }

    private static byte[] Reply(byte[] hostKey, byte[] blob, byte[] signature) => Message(31, w =>
    {
        w.WriteBinary(hostKey);
        w.WriteBinary(blob);
        w.WriteBinary(signature);
    });

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

    /// <summary>A client built from BouncyCastle and the BCL directly, not from Wharf's agreements.</summary>
    private sealed class HandClient
    {
        public required byte[] Blob { get; init; }

        public required HashAlgorithmName Hash { get; init; }

        public required int CiphertextLength { get; init; }

        public required int ClassicalLength { get; init; }

        public required Func<byte[], byte[]> Decapsulate { get; init; }

        public required Func<byte[], byte[]> Agree { get; init; }

        public static HandClient Create(string name)
        {
            byte[] kemPublic;
            Func<byte[], byte[]> decapsulate;
            int ciphertextLength;
            if (name.StartsWith("mlkem", StringComparison.Ordinal))
            {
                var generator = new MLKemKeyPairGenerator();
                generator.Init(new MLKemKeyGenerationParameters(new SecureRandom(), MLKemParameters.ml_kem_768));
                var pair = generator.GenerateKeyPair();
                kemPublic = ((MLKemPublicKeyParameters)pair.Public).GetEncoded();
                ciphertextLength = MlKemCiphertext;
                decapsulate = ct =>
                {
                    var d = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
                    d.Init(pair.Private);
                    var ss = new byte[32];
                    d.Decapsulate(ct, 0, ct.Length, ss, 0, ss.Length);
                    return ss;
                };
            }
            else
            {
                var generator = new SNtruPrimeKeyPairGenerator();
                generator.Init(new SNtruPrimeKeyGenerationParameters(new SecureRandom(), SNtruPrimeParameters.sntrup761));
                var pair = generator.GenerateKeyPair();
                kemPublic = ((SNtruPrimePublicKeyParameters)pair.Public).GetEncoded();
                ciphertextLength = SntrupCiphertext;
                decapsulate = ct => new SNtruPrimeKemExtractor((SNtruPrimePrivateKeyParameters)pair.Private).ExtractSecret(ct);
            }

            if (name.Contains("nistp256", StringComparison.Ordinal))
            {
                var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
                var q = ecdh.ExportParameters(false).Q;
                return new HandClient
                {
                    Blob = [.. kemPublic, 0x04, .. q.X!, .. q.Y!],
                    Hash = HashAlgorithmName.SHA256,
                    CiphertextLength = ciphertextLength,
                    ClassicalLength = 65,
                    Decapsulate = decapsulate,
                    Agree = point =>
                    {
                        using var peer = ECDiffieHellman.Create(new ECParameters
                        {
                            Curve = ECCurve.NamedCurves.nistP256,
                            Q = new ECPoint { X = point[1..33], Y = point[33..] },
                        });
                        return ecdh.DeriveRawSecretAgreement(peer.PublicKey);
                    },
                };
            }

            var priv = RandomNumberGenerator.GetBytes(32);
            var pub = new byte[32];
            X25519.ScalarMultBase(priv, 0, pub, 0);
            return new HandClient
            {
                Blob = [.. kemPublic, .. pub],
                Hash = name.Contains("sha512", StringComparison.Ordinal) ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256,
                CiphertextLength = ciphertextLength,
                ClassicalLength = 32,
                Decapsulate = decapsulate,
                Agree = point =>
                {
                    var x = new byte[32];
                    X25519.ScalarMult(priv, 0, point, 0, x, 0);
                    return x;
                },
            };
        }
    }
}
