using System.Buffers.Binary;
using Wharf.Ssh.Algorithms;

namespace Wharf.Ssh.Tests.Algorithms;

/// <summary>Lays out plaintext binary packets the way the transport does (RFC 4253 §6).</summary>
internal static class TestPackets
{
    /// <summary>Returns <c>uint32 packet_length || byte padding_length || payload || padding</c>.</summary>
    public static byte[] Build(int payloadLength, int blockSize, bool alignmentIncludesLength, Random rng)
    {
        int covered = (alignmentIncludesLength ? 4 : 0) + 1 + payloadLength;
        int padding = blockSize - covered % blockSize;
        if (padding < 4)
        {
            padding += blockSize;
        }

        var packet = new byte[4 + 1 + payloadLength + padding];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payloadLength + padding));
        packet[4] = (byte)padding;
        rng.NextBytes(packet.AsSpan(5));
        Assert.Equal(0, (packet.Length - (alignmentIncludesLength ? 0 : 4)) % blockSize);
        return packet;
    }

    /// <summary>Every cipher with every MAC (a single null MAC for the AEAD ciphers).</summary>
    public static TheoryData<string, string?> Combinations()
    {
        var data = new TheoryData<string, string?>();
        foreach (var c in CipherCatalog.All)
        {
            if (c.IsAead)
            {
                data.Add(c.Name, null);
                continue;
            }

            foreach (var m in MacCatalog.All)
            {
                data.Add(c.Name, m.Name);
            }
        }

        return data;
    }

    /// <summary>Fixed key material for a combination; the same seed gives the same keys on both sides.</summary>
    public sealed class Keys
    {
        public Keys(string cipherName, string? macName, int seed = 42)
        {
            Assert.True(CipherCatalog.TryGet(cipherName, out var cipher));
            Cipher = cipher;
            if (macName is not null)
            {
                Assert.True(MacCatalog.TryGet(macName, out var mac));
                Mac = mac;
            }

            var rng = new Random(seed);
            Key = new byte[cipher.KeySize];
            Iv = new byte[cipher.IvSize];
            MacKey = new byte[Mac?.KeySize ?? 0];
            rng.NextBytes(Key);
            rng.NextBytes(Iv);
            rng.NextBytes(MacKey);
        }

        public CipherInfo Cipher { get; }

        public MacInfo? Mac { get; }

        public byte[] Key { get; }

        public byte[] Iv { get; }

        public byte[] MacKey { get; }

        public PacketEncryptor Encryptor() => PacketProtection.CreateEncryptor(Cipher, Key, Iv, Mac, MacKey);

        public PacketDecryptor Decryptor() => PacketProtection.CreateDecryptor(Cipher, Key, Iv, Mac, MacKey);
    }
}
