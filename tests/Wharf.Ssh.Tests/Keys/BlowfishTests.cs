using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Tests.Keys;

public class BlowfishTests
{
    // Schneier's published Blowfish ECB test vectors (key, plaintext, ciphertext).
    [Theory]
    [InlineData("0000000000000000", "0000000000000000", "4EF997456198DD78")]
    [InlineData("FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF", "51866FD5B85ECB8A")]
    [InlineData("3000000000000000", "1000000000000001", "7D856F9A613063F2")]
    [InlineData("0123456789ABCDEF", "1111111111111111", "61F9C3802281B096")]
    public void MatchesSchneierVectors(string key, string plain, string cipher)
    {
        var bf = Blowfish.WithKey(Convert.FromHexString(key));
        var block = Convert.FromHexString(plain);
        bf.EncryptBlock(block);
        Assert.Equal(cipher, Convert.ToHexString(block));
    }

    [Fact]
    public void TablesStartAndEndWithTheDigitsOfPi()
    {
        Assert.Equal(0x243F6A88u, BlowfishTables.P[0]);
        Assert.Equal(0x8979FB1Bu, BlowfishTables.P[17]);
        Assert.Equal(0xD1310BA6u, BlowfishTables.S[0]);
        Assert.Equal(1024, BlowfishTables.S.Length);
        Assert.Equal(0x3AC372E6u, BlowfishTables.S[1023]);
    }
}
