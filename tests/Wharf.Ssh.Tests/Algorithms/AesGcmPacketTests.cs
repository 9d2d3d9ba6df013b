using System.Buffers.Binary;
using System.Security.Cryptography;
using Wharf.Ssh.Algorithms;

namespace Wharf.Ssh.Tests.Algorithms;

/// <summary>aes*-gcm@openssh.com nonce handling (RFC 5647 §7.1).</summary>
public class AesGcmPacketTests
{
    public static TheoryData<string> Ciphers => new() { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com" };

    [Theory]
    [MemberData(nameof(Ciphers))]
    public void InvocationCounterAdvancesAfterEveryPacket(string cipherName)
    {
        var keys = new TestPackets.Keys(cipherName, null);
        using var enc = keys.Encryptor();
        var plain = TestPackets.Build(40, 16, false, new Random(1));

        var first = (byte[])plain.Clone();
        var firstTag = new byte[16];
        enc.Encrypt(0, first, firstTag);
        // The same packet again, even with the same sequence number, must not repeat the nonce.
        var second = (byte[])plain.Clone();
        var secondTag = new byte[16];
        enc.Encrypt(0, second, secondTag);
        Assert.NotEqual(first[4..], second[4..]);
        Assert.NotEqual(firstTag, secondTag);

        // Independent check: packet n uses nonce = IV with n added to its last 8 bytes, and the
        // length as additional data.
        using var reference = new AesGcm(keys.Key, 16);
        for (int n = 0; n < 2; n++)
        {
            var nonce = (byte[])keys.Iv.Clone();
            BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), BinaryPrimitives.ReadUInt64BigEndian(nonce.AsSpan(4)) + (ulong)n);
            var ct = new byte[plain.Length - 4];
            var tag = new byte[16];
            reference.Encrypt(nonce, plain.AsSpan(4), ct, tag, plain.AsSpan(0, 4));
            Assert.Equal(ct, (n == 0 ? first : second)[4..]);
            Assert.Equal(tag, n == 0 ? firstTag : secondTag);
        }

        // A decryptor in lockstep opens both.
        using (var dec = keys.Decryptor())
        {
            var a = (byte[])first.Clone();
            var b = (byte[])second.Clone();
            Assert.True(dec.DecryptAndVerify(0, a, firstTag));
            Assert.True(dec.DecryptAndVerify(0, b, secondTag));
            Assert.Equal(plain, a);
            Assert.Equal(plain, b);
        }

        // One that missed the first packet fails on the second, and leaves no plaintext behind.
        using (var dec = keys.Decryptor())
        {
            var b = (byte[])second.Clone();
            Assert.False(dec.DecryptAndVerify(1, b, secondTag));
            Assert.NotEqual(plain[5..], b[5..]);
        }
    }

    [Fact]
    public void InvocationCounterWrapsAt64BitsWithoutTouchingTheFixedField()
    {
        Assert.True(CipherCatalog.TryGet("aes128-gcm@openssh.com", out var cipher));
        var key = new byte[16];
        var iv = Convert.FromHexString("01020304ffffffffffffffff");
        using var enc = PacketProtection.CreateEncryptor(cipher, key, iv, null, default);
        var plain = TestPackets.Build(10, 16, false, new Random(2));
        enc.Encrypt(0, (byte[])plain.Clone(), new byte[16]);
        var wire = (byte[])plain.Clone();
        var tag = new byte[16];
        enc.Encrypt(1, wire, tag);

        using var reference = new AesGcm(key, 16);
        var ct = new byte[plain.Length - 4];
        var expectedTag = new byte[16];
        reference.Encrypt(Convert.FromHexString("010203040000000000000000"), plain.AsSpan(4), ct, expectedTag, plain.AsSpan(0, 4));
        Assert.Equal(ct, wire[4..]);
        Assert.Equal(expectedTag, tag);
    }
}
