using System.Buffers.Binary;
using Wharf.Ssh.Algorithms;

namespace Wharf.Ssh.Tests.Algorithms;

/// <summary>Every cipher × MAC combination through the public factory, as the transport uses it.</summary>
public class PacketProtectionTests
{
    private static readonly int[] PayloadSizes = [0, 1, 2, 7, 11, 12, 15, 16, 17, 31, 100, 1000, 4093, 32768, 70000];

    /// <summary>Decrypts the way the transport does; returns whether the packet authenticated.</summary>
    private static bool Receive(PacketDecryptor dec, uint seq, byte[] wire, byte[] tag, out uint length)
    {
        length = dec.DecryptLength(seq, wire.AsSpan(0, dec.LengthFieldSize));
        return dec.DecryptAndVerify(seq, wire, tag);
    }

    [Theory]
    [MemberData(nameof(TestPackets.Combinations), MemberType = typeof(TestPackets))]
    public void RoundTripsPacketsOfManySizesWithAdvancingSequenceNumbers(string cipherName, string? macName)
    {
        var keys = new TestPackets.Keys(cipherName, macName);
        using var enc = keys.Encryptor();
        using var dec = keys.Decryptor();
        Assert.Equal(enc.BlockSize, dec.BlockSize);
        Assert.Equal(enc.TagSize, dec.TagSize);
        Assert.Equal(enc.AlignmentIncludesLength, dec.AlignmentIncludesLength);
        Assert.Equal(keys.Cipher.IsAead ? 16 : keys.Mac!.DigestSize, enc.TagSize);
        Assert.Equal(keys.Cipher.BlockSize, enc.BlockSize);

        var rng = new Random(7);
        // Start just below the wrap so the sequence number passes 2^32 - 1 -> 0.
        uint seq = uint.MaxValue - 3;
        for (int round = 0; round < 2; round++)
        {
            foreach (int size in PayloadSizes)
            {
                var plain = TestPackets.Build(size, enc.BlockSize, enc.AlignmentIncludesLength, rng);
                var wire = (byte[])plain.Clone();
                var tag = new byte[enc.TagSize];
                enc.Encrypt(seq, wire, tag);
                Assert.NotEqual(plain.AsSpan(5).ToArray(), wire.AsSpan(5).ToArray());

                Assert.True(Receive(dec, seq, wire, tag, out uint length));
                Assert.Equal((uint)(plain.Length - 4), length);
                Assert.Equal(plain, wire);
                seq++;
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestPackets.Combinations), MemberType = typeof(TestPackets))]
    public void LengthIsInTheClearOnlyWhereTheModeSaysSo(string cipherName, string? macName)
    {
        var keys = new TestPackets.Keys(cipherName, macName);
        using var enc = keys.Encryptor();
        using var dec = keys.Decryptor();
        var plain = TestPackets.Build(50, enc.BlockSize, enc.AlignmentIncludesLength, new Random(3));
        var wire = (byte[])plain.Clone();
        enc.Encrypt(9, wire, new byte[enc.TagSize]);

        bool clear = cipherName.Contains("gcm") || (macName?.Contains("etm") ?? false);
        Assert.Equal(clear, plain.AsSpan(0, 4).SequenceEqual(wire.AsSpan(0, 4)));
        Assert.Equal(!clear && !cipherName.StartsWith("chacha"), enc.AlignmentIncludesLength);
        Assert.Equal(enc.AlignmentIncludesLength ? 16 : 4, dec.LengthFieldSize);

        // Where the first bytes are not decrypted in place, DecryptLength must leave them as received.
        var before = wire.AsSpan(0, dec.LengthFieldSize).ToArray();
        dec.DecryptLength(9, wire.AsSpan(0, dec.LengthFieldSize));
        if (dec.LengthFieldSize == 4)
        {
            Assert.Equal(before, wire.AsSpan(0, 4).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(TestPackets.Combinations), MemberType = typeof(TestPackets))]
    public void AnySingleBitFlipInLengthPayloadOrTagIsRejected(string cipherName, string? macName)
    {
        var keys = new TestPackets.Keys(cipherName, macName);
        const uint seq = 77;
        byte[] plain, wire, tag;
        using (var enc = keys.Encryptor())
        {
            plain = TestPackets.Build(13, enc.BlockSize, enc.AlignmentIncludesLength, new Random(5));
            wire = (byte[])plain.Clone();
            tag = new byte[enc.TagSize];
            enc.Encrypt(seq, wire, tag);
        }

        using (var dec = keys.Decryptor())
        {
            // Control: the untouched packet is accepted by a fresh decryptor.
            Assert.True(Receive(dec, seq, (byte[])wire.Clone(), (byte[])tag.Clone(), out _));
        }

        int totalBits = (wire.Length + tag.Length) * 8;
        for (int bit = 0; bit < totalBits; bit++)
        {
            var w = (byte[])wire.Clone();
            var t = (byte[])tag.Clone();
            int index = bit / 8;
            if (index < w.Length)
            {
                w[index] ^= (byte)(1 << (bit % 8));
            }
            else
            {
                t[index - w.Length] ^= (byte)(1 << (bit % 8));
            }

            using var dec = keys.Decryptor();
            Assert.False(Receive(dec, seq, w, t, out _), $"bit {bit} flipped went unnoticed");
        }
    }

    [Theory]
    [MemberData(nameof(TestPackets.Combinations), MemberType = typeof(TestPackets))]
    public void TruncatedTagIsRejected(string cipherName, string? macName)
    {
        var keys = new TestPackets.Keys(cipherName, macName);
        using var enc = keys.Encryptor();
        using var dec = keys.Decryptor();
        var wire = TestPackets.Build(20, enc.BlockSize, enc.AlignmentIncludesLength, new Random(1));
        var tag = new byte[enc.TagSize];
        enc.Encrypt(0, wire, tag);
        Assert.False(Receive(dec, 0, wire, tag[..^1], out _));
    }

    [Theory]
    [MemberData(nameof(TestPackets.Combinations), MemberType = typeof(TestPackets))]
    public void WrongSequenceNumberIsRejected(string cipherName, string? macName)
    {
        // AES-GCM does not put the sequence number in the tag (RFC 5647 §8.1); its invocation
        // counter plays that role and is tested in AesGcmPacketTests.
        if (cipherName.Contains("gcm"))
        {
            Assert.Null(macName);
            return;
        }

        var keys = new TestPackets.Keys(cipherName, macName);
        foreach (var (sent, received) in new (uint, uint)[] { (5, 6), (6, 5), (0, uint.MaxValue), (0x8000_0000, 0) })
        {
            using var enc = keys.Encryptor();
            using var dec = keys.Decryptor();
            var wire = TestPackets.Build(40, enc.BlockSize, enc.AlignmentIncludesLength, new Random(2));
            var tag = new byte[enc.TagSize];
            enc.Encrypt(sent, wire, tag);
            Assert.False(Receive(dec, received, wire, tag, out _));
        }
    }

    [Theory]
    [MemberData(nameof(TestPackets.Combinations), MemberType = typeof(TestPackets))]
    public void SteadyStateAllocatesNothing(string cipherName, string? macName)
    {
        var keys = new TestPackets.Keys(cipherName, macName);
        using var enc = keys.Encryptor();
        using var dec = keys.Decryptor();
        var wire = TestPackets.Build(32768, enc.BlockSize, enc.AlignmentIncludesLength, new Random(4));
        var tag = new byte[enc.TagSize];
        int lengthField = dec.LengthFieldSize;

        void Cycle(uint seq)
        {
            enc.Encrypt(seq, wire, tag);
            dec.DecryptLength(seq, wire.AsSpan(0, lengthField));
            Assert.True(dec.DecryptAndVerify(seq, wire, tag));
        }

        for (uint s = 0; s < 4; s++)
        {
            Cycle(s);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (uint s = 4; s < 20; s++)
        {
            Cycle(s);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void CatalogsListTheAlgorithmsInPreferenceOrder()
    {
        Assert.Equal(
            ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr"],
            CipherCatalog.All.Select(c => c.Name));
        Assert.Equal(
            ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1-etm@openssh.com", "hmac-sha1"],
            MacCatalog.All.Select(m => m.Name));

        Assert.True(CipherCatalog.TryGet("aes192-ctr", out var ctr));
        Assert.Equal(new CipherInfo("aes192-ctr", 24, 16, 16, false), ctr);
        Assert.True(CipherCatalog.TryGet("chacha20-poly1305@openssh.com", out var chacha));
        Assert.Equal(new CipherInfo("chacha20-poly1305@openssh.com", 64, 0, 8, true), chacha);
        Assert.True(MacCatalog.TryGet("hmac-sha2-512-etm@openssh.com", out var etm));
        Assert.Equal(new MacInfo("hmac-sha2-512-etm@openssh.com", 64, 64, true), etm);
        Assert.True(MacCatalog.TryGet("hmac-sha1", out var sha1));
        Assert.Equal(new MacInfo("hmac-sha1", 20, 20, false), sha1);

        Assert.False(CipherCatalog.TryGet("AES128-CTR", out _));
        Assert.False(CipherCatalog.TryGet("aes128-cbc", out _));
        Assert.False(MacCatalog.TryGet("hmac-md5", out _));
        Assert.False(CipherCatalog.All is CipherInfo[]);
    }

    [Fact]
    public void FactoryRejectsBadArguments()
    {
        Assert.True(CipherCatalog.TryGet("aes128-ctr", out var ctr));
        Assert.True(CipherCatalog.TryGet("aes128-gcm@openssh.com", out var gcm));
        Assert.True(MacCatalog.TryGet("hmac-sha2-256", out var mac));

        Assert.Throws<ArgumentException>(() => PacketProtection.CreateEncryptor(ctr, new byte[16], new byte[16], null, default));
        Assert.Throws<ArgumentException>(() => PacketProtection.CreateDecryptor(ctr, new byte[15], new byte[16], mac, new byte[32]));
        Assert.Throws<ArgumentException>(() => PacketProtection.CreateDecryptor(ctr, new byte[16], new byte[12], mac, new byte[32]));
        Assert.Throws<ArgumentException>(() => PacketProtection.CreateEncryptor(ctr, new byte[16], new byte[16], mac, new byte[31]));
        Assert.Throws<ArgumentException>(() => PacketProtection.CreateEncryptor(gcm, new byte[16], new byte[16], null, default));
        Assert.Throws<ArgumentException>(() => PacketProtection.CreateEncryptor(new CipherInfo("aes128-cbc", 16, 16, 16, false), new byte[16], new byte[16], mac, new byte[32]));
        // A look-alike record with the right name but other sizes is not trusted.
        Assert.Throws<ArgumentException>(() => PacketProtection.CreateEncryptor(ctr with { KeySize = 8 }, new byte[8], new byte[16], mac, new byte[32]));
        Assert.Throws<ArgumentException>(() => PacketProtection.CreateEncryptor(ctr, new byte[16], new byte[16], mac with { DigestSize = 8 }, new byte[32]));

        // AEAD ciphers ignore any MAC they are handed.
        using var aead = PacketProtection.CreateEncryptor(gcm, new byte[16], new byte[12], mac, new byte[32]);
        Assert.Equal(16, aead.TagSize);
    }

    [Fact]
    public void EncryptAndMacAuthenticatesThePlaintextAndEtmTheCiphertext()
    {
        // Framing checked against an independent construction: BouncyCastle AES-CTR and the
        // BCL's one-shot HMAC (RFC 4253 §6.4; OpenSSH PROTOCOL §1.5).
        foreach (var macName in new[] { "hmac-sha2-256", "hmac-sha2-512-etm@openssh.com", "hmac-sha1", "hmac-sha1-etm@openssh.com" })
        {
            var keys = new TestPackets.Keys("aes256-ctr", macName);
            using var enc = keys.Encryptor();
            var rng = new Random(11);
            var reference = new Org.BouncyCastle.Crypto.Modes.SicBlockCipher(new Org.BouncyCastle.Crypto.Engines.AesEngine());
            reference.Init(true, new Org.BouncyCastle.Crypto.Parameters.ParametersWithIV(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(keys.Key), keys.Iv));
            for (uint seq = 3; seq < 6; seq++)
            {
                var plain = TestPackets.Build(100 + (int)seq * 10, 16, enc.AlignmentIncludesLength, rng);
                var wire = (byte[])plain.Clone();
                var tag = new byte[enc.TagSize];
                enc.Encrypt(seq, wire, tag);

                var expected = (byte[])plain.Clone();
                int from = keys.Mac!.EncryptThenMac ? 4 : 0;
                for (int i = from; i < expected.Length; i += 16)
                {
                    reference.ProcessBlock(expected, i, expected, i);
                }

                Assert.Equal(expected, wire);
                var macInput = new byte[4 + plain.Length];
                BinaryPrimitives.WriteUInt32BigEndian(macInput, seq);
                (keys.Mac.EncryptThenMac ? expected : plain).CopyTo(macInput, 4);
                var algorithm = macName.Contains("512") ? System.Security.Cryptography.HashAlgorithmName.SHA512
                    : macName.Contains("sha1") ? System.Security.Cryptography.HashAlgorithmName.SHA1
                    : System.Security.Cryptography.HashAlgorithmName.SHA256;
                Assert.Equal(System.Security.Cryptography.CryptographicOperations.HmacData(algorithm, keys.MacKey, macInput), tag);
            }
        }
    }
}
