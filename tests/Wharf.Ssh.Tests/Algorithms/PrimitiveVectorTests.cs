using System.Text;
using Wharf.Ssh.Algorithms.Ciphers;
using Wharf.Ssh.Algorithms.Macs;

namespace Wharf.Ssh.Tests.Algorithms;

/// <summary>The building blocks against published test vectors.</summary>
public class PrimitiveVectorTests
{
    private static byte[] Hex(string s) => Convert.FromHexString(s.Replace(" ", "").Replace(":", ""));

    private const string NistCtrPlaintext =
        "6bc1bee22e409f96e93d7e117393172a" +
        "ae2d8a571e03ac9c9eb76fac45af8e51" +
        "30c81c46a35ce411e5fbc1191a0a52ef" +
        "f69f2445df4f9b17ad2b417be66c3710";

    // NIST SP 800-38A, Appendix F.5.1 (CTR-AES128), F.5.3 (CTR-AES192), F.5.5 (CTR-AES256).
    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c",
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")]
    [InlineData("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050")]
    [InlineData("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6")]
    public void AesCtrMatchesSp800_38aF5(string key, string ciphertext)
    {
        var iv = Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        var data = Hex(NistCtrPlaintext);
        using (var ks = new AesCtrKeystream(Hex(key), iv))
        {
            ks.Transform(data);
        }

        Assert.Equal(Hex(ciphertext), data);

        // The keystream must continue seamlessly across calls of any size (F.5.2/4/6: decrypt).
        using (var ks = new AesCtrKeystream(Hex(key), iv))
        {
            ks.Transform(data.AsSpan(0, 5));
            ks.Transform(data.AsSpan(5, 16));
            ks.Transform(data.AsSpan(21));
        }

        Assert.Equal(Hex(NistCtrPlaintext), data);
    }

    [Fact]
    public void AesCtrCarriesAcrossTheLow64BitsAndChunkBoundaries()
    {
        // Counter 0x00..00_FFFF..FE: the third block must be 0x00..01_00..00 (128-bit big-endian increment).
        var key = Hex("000102030405060708090a0b0c0d0e0f");
        var iv = Hex("0000000000000000fffffffffffffffe");
        const int blocks = 2500; // more than one 16 KiB chunk
        var counters = new byte[blocks * 16];
        var hi = new System.Numerics.BigInteger(iv, isUnsigned: true, isBigEndian: true);
        for (int i = 0; i < blocks; i++)
        {
            var c = (hi + i).ToByteArray(isUnsigned: true, isBigEndian: true);
            c.CopyTo(counters, i * 16 + 16 - c.Length);
        }

        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        var expected = aes.EncryptEcb(counters, System.Security.Cryptography.PaddingMode.None);

        var data = new byte[blocks * 16];
        using var ks = new AesCtrKeystream(key, iv);
        int pos = 0;
        foreach (int step in new[] { 3, 13, 16000, 16384, 7, 4000 })
        {
            ks.Transform(data.AsSpan(pos, step));
            pos += step;
        }

        ks.Transform(data.AsSpan(pos));
        Assert.Equal(expected, data);
    }

    // RFC 8439 §2.3.2: key 00..1f, nonce 000000090000004a00000000, block counter 1.
    [Fact]
    public void ChaCha20BlockMatchesRfc8439_2_3_2()
    {
        var key = new uint[8];
        ChaCha20.LoadKey(Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), key);
        var output = new byte[64];
        // Words 13–15 are the nonce read as little-endian words.
        ChaCha20.Block(key, 1, 0x09000000, 0x4a000000, 0, output);
        Assert.Equal(Hex(
            "10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4" +
            "c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e" +
            "d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2" +
            "b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e"), output);
    }

    private const string IetfText =
        "Any submission to the IETF intended by the Contributor for publication as all or part of an IETF " +
        "Internet-Draft or RFC and any statement made within the context of an IETF activity is considered " +
        "an \"IETF Contribution\". Such statements include oral statements in IETF sessions, as well as " +
        "written and electronic communications made at any time or place, which are addressed to";

    private const string Jabberwocky =
        "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.";

    public static TheoryData<string, string, string> Poly1305Vectors => new()
    {
        // RFC 8439 §2.5.2.
        { "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b", Convert.ToHexString(Encoding.ASCII.GetBytes("Cryptographic Forum Research Group")), "a8061dc1305136c6c22b8baf0c0127a9" },
        // RFC 8439 §A.3, test vectors #1 to #11.
        { new string('0', 64), new string('0', 128), new string('0', 32) },
        { "0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e", Convert.ToHexString(Encoding.ASCII.GetBytes(IetfText)), "36e5f6b5c5e06070f0efca96227a863e" },
        { "36e5f6b5c5e06070f0efca96227a863e00000000000000000000000000000000", Convert.ToHexString(Encoding.ASCII.GetBytes(IetfText)), "f3477e7cd95417af89a6b8794c310cf0" },
        { "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", Convert.ToHexString(Encoding.ASCII.GetBytes(Jabberwocky)), "4541669a7eaaee61e708dc7cbcc5eb62" },
        { "0200000000000000000000000000000000000000000000000000000000000000", "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000" },
        { "02000000000000000000000000000000ffffffffffffffffffffffffffffffff", "02000000000000000000000000000000", "03000000000000000000000000000000" },
        { "0100000000000000000000000000000000000000000000000000000000000000", "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff11000000000000000000000000000000", "05000000000000000000000000000000" },
        { "0100000000000000000000000000000000000000000000000000000000000000", "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe01010101010101010101010101010101", "00000000000000000000000000000000" },
        { "0200000000000000000000000000000000000000000000000000000000000000", "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff" },
        { "0100000000000000040000000000000000000000000000000000000000000000", "e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000", "14000000000000005500000000000000" },
        { "0100000000000000040000000000000000000000000000000000000000000000", "e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000", "13000000000000000000000000000000" },
    };

    [Theory]
    [MemberData(nameof(Poly1305Vectors))]
    public void Poly1305MatchesRfc8439(string key, string message, string tag)
    {
        var actual = new byte[16];
        Poly1305.Compute(Hex(key), Hex(message), actual);
        Assert.Equal(Hex(tag), actual);
    }

    [Fact]
    public void Poly1305AgreesWithBouncyCastleOnRandomInputs()
    {
        var rng = new Random(1305);
        var key = new byte[32];
        var ours = new byte[16];
        var theirs = new byte[16];
        for (int n = 0; n < 400; n++)
        {
            rng.NextBytes(key);
            if (n % 4 == 0)
            {
                // Extreme values stress the carry chains.
                key.AsSpan(0, 16).Fill(0xff);
            }

            var message = new byte[n < 300 ? n : rng.Next(300, 5000)];
            if (n % 3 == 0)
            {
                message.AsSpan().Fill(0xff);
            }
            else
            {
                rng.NextBytes(message);
            }

            Poly1305.Compute(key, message, ours);
            var mac = new Org.BouncyCastle.Crypto.Macs.Poly1305();
            mac.Init(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key));
            mac.BlockUpdate(message, 0, message.Length);
            mac.DoFinal(theirs, 0);
            Assert.Equal(theirs, ours);
        }
    }

    // RFC 4231 §4.3, test case 2: key "Jefe", data "what do ya want for nothing?". The SSH MAC
    // prefixes the data with uint32 sequence_number, so a sequence number of 0x77686174 ("what")
    // makes the MAC input exactly the RFC's data.
    [Fact]
    public void HmacSha256MatchesRfc4231Case2()
    {
        using var mac = new SshHmac(System.Security.Cryptography.HashAlgorithmName.SHA256, Encoding.ASCII.GetBytes("Jefe"), 32);
        var tag = new byte[32];
        var data = Encoding.ASCII.GetBytes(" do ya want for nothing?");
        mac.Compute(0x77686174, data, tag);
        var expected = Hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        Assert.Equal(expected, tag);
        Assert.True(mac.Verify(0x77686174, data, expected));
        expected[31] ^= 1;
        Assert.False(mac.Verify(0x77686174, data, expected));
    }
}
