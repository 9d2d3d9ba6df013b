using System.Buffers.Binary;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Ciphers;

namespace Wharf.Ssh.Tests.Algorithms;

/// <summary>
/// chacha20-poly1305@openssh.com against a slow, independent reference that follows
/// PROTOCOL.chacha20poly1305 literally with BouncyCastle's original (64-bit nonce) ChaCha20 and
/// its Poly1305, so the fast path (BCL RFC 8439 keystream + own Poly1305) is checked end to end.
/// </summary>
public class ChaCha20Poly1305OpenSshTests
{
    private static readonly CipherInfo Cipher = CipherCatalog.All[0];

    /// <summary>Encrypts <paramref name="packet"/> (length || rest) per the spec text; returns the tag.</summary>
    private static byte[] ReferenceEncrypt(byte[] key, uint seq, byte[] packet)
    {
        var nonce = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, seq);

        // "The first 256 bits constitute K_2 and the second 256 bits become K_1."
        var k2 = key[..32];
        var k1 = key[32..];

        // Length: K_1, sequence number nonce, block counter zero.
        var lengthCipher = new ChaChaEngine(20);
        lengthCipher.Init(true, new ParametersWithIV(new KeyParameter(k1), nonce));
        lengthCipher.ProcessBytes(packet, 0, 4, packet, 0);

        // Poly1305 key: first 256 bits of K_2's block 0; the payload then starts at block 1.
        var mainCipher = new ChaChaEngine(20);
        mainCipher.Init(true, new ParametersWithIV(new KeyParameter(k2), nonce));
        var block0 = new byte[64];
        mainCipher.ProcessBytes(new byte[64], 0, 64, block0, 0);
        mainCipher.ProcessBytes(packet, 4, packet.Length - 4, packet, 4);

        var poly = new Org.BouncyCastle.Crypto.Macs.Poly1305();
        poly.Init(new KeyParameter(block0[..32]));
        poly.BlockUpdate(packet, 0, packet.Length);
        var tag = new byte[16];
        poly.DoFinal(tag, 0);
        return tag;
    }

    public static TheoryData<uint> SequenceNumbers => new() { 0u, 1u, uint.MaxValue, 0x01020304u };

    [Theory]
    [MemberData(nameof(SequenceNumbers))]
    public void MatchesTheReferenceForEverySizeUpTo1000(uint seq)
    {
        var rng = new Random((int)seq);
        var key = new byte[64];
        rng.NextBytes(key);
        using var enc = PacketProtection.CreateEncryptor(Cipher, key, default, null, default);
        using var dec = PacketProtection.CreateDecryptor(Cipher, key, default, null, default);
        var tag = new byte[16];
        for (int size = 0; size <= 1000; size++)
        {
            var plain = new byte[4 + size];
            rng.NextBytes(plain);
            BinaryPrimitives.WriteUInt32BigEndian(plain, (uint)size);

            var expected = (byte[])plain.Clone();
            var expectedTag = ReferenceEncrypt(key, seq, expected);

            var wire = (byte[])plain.Clone();
            enc.Encrypt(seq, wire, tag);
            Assert.Equal(expected, wire);
            Assert.Equal(expectedTag, tag);

            Assert.Equal((uint)size, dec.DecryptLength(seq, wire.AsSpan(0, 4)));
            Assert.Equal(expected, wire); // the length copy was decrypted, not the packet
            Assert.True(dec.DecryptAndVerify(seq, wire, tag));
            Assert.Equal(plain, wire);
        }
    }

    [Theory]
    [MemberData(nameof(SequenceNumbers))]
    public void MatchesTheReferenceFor256KiB(uint seq)
    {
        var rng = new Random(256);
        var key = new byte[64];
        rng.NextBytes(key);
        var plain = new byte[4 + 256 * 1024];
        rng.NextBytes(plain);

        var expected = (byte[])plain.Clone();
        var expectedTag = ReferenceEncrypt(key, seq, expected);

        using var enc = PacketProtection.CreateEncryptor(Cipher, key, default, null, default);
        var wire = (byte[])plain.Clone();
        var tag = new byte[16];
        enc.Encrypt(seq, wire, tag);
        Assert.Equal(expected, wire);
        Assert.Equal(expectedTag, tag);

        using var dec = PacketProtection.CreateDecryptor(Cipher, key, default, null, default);
        Assert.True(dec.DecryptAndVerify(seq, wire, tag));
        Assert.Equal(plain, wire);
    }

    [Fact]
    public void ManagedFallbackKeystreamMatchesTheReference()
    {
        // Used only where the platform has no ChaCha20; checked here because CI machines do.
        var rng = new Random(9);
        var key = new byte[32];
        rng.NextBytes(key);
        var words = new uint[8];
        ChaCha20.LoadKey(key, words);
        foreach (uint seq in new[] { 0u, 1u, uint.MaxValue })
        {
            var nonce = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(nonce, seq);
            var reference = new ChaChaEngine(20);
            reference.Init(true, new ParametersWithIV(new KeyParameter(key), nonce));
            var expected = new byte[64 + 1000];
            reference.ProcessBytes(new byte[expected.Length], 0, expected.Length, expected, 0);

            var data = new byte[1000];
            ChaCha20.XorOriginal(words, 1, (ulong)BinaryPrimitives.ReverseEndianness(seq) << 32, data, new byte[64]);
            Assert.Equal(expected[64..], data);
        }
    }

    [Fact]
    public void TheTwoHalvesOfTheKeyHaveDistinctRoles()
    {
        // Swapping K_1 and K_2 must change both the length encryption and the payload: guards
        // against reading the spec's "first 256 bits constitute K_2" backwards.
        var rng = new Random(12);
        var key = new byte[64];
        rng.NextBytes(key);
        var swapped = key[32..].Concat(key[..32]).ToArray();
        var plain = new byte[4 + 64];
        rng.NextBytes(plain);

        var expected = (byte[])plain.Clone();
        ReferenceEncrypt(key, 3, expected);
        using var enc = PacketProtection.CreateEncryptor(Cipher, swapped, default, null, default);
        var wire = (byte[])plain.Clone();
        enc.Encrypt(3, wire, new byte[16]);
        Assert.NotEqual(expected[..4], wire[..4]);
        Assert.NotEqual(expected[4..], wire[4..]);
    }
}
