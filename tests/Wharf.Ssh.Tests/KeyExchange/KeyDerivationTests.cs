using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.KeyExchange;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>RFC 4253 §7.2 key derivation against the formula written out by hand.</summary>
public class KeyDerivationTests
{
    private static readonly byte[] K = [0, 0, 0, 5, 0x00, 0x9a, 0x12, 0x34, 0x56]; // wire mpint, as in KexResult
    private static readonly byte[] H = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
    private static readonly byte[] SessionId = Enumerable.Range(1, 32).Select(i => (byte)(255 - i)).ToArray();

    [Theory]
    [InlineData("SHA256", 'C', 40)]  // 2 blocks
    [InlineData("SHA256", 'D', 80)]  // 3 blocks
    [InlineData("SHA512", 'A', 100)] // 2 blocks
    [InlineData("SHA512", 'F', 150)] // 3 blocks
    [InlineData("SHA1", 'E', 50)]    // 3 blocks
    public void MatchesTheSpecFormula(string hashName, char letter, int length)
    {
        var hash = new HashAlgorithmName(hashName);

        // K1 = HASH(K || H || X || session_id); K2 = HASH(K || H || K1); K3 = HASH(K || H || K1 || K2).
        using var ih = IncrementalHash.CreateHash(hash);
        ih.AppendData(K);
        ih.AppendData(H);
        ih.AppendData([(byte)letter]);
        ih.AppendData(SessionId);
        var k1 = ih.GetHashAndReset();
        ih.AppendData(K);
        ih.AppendData(H);
        ih.AppendData(k1);
        var k2 = ih.GetHashAndReset();
        ih.AppendData(K);
        ih.AppendData(H);
        ih.AppendData(k1);
        ih.AppendData(k2);
        var k3 = ih.GetHashAndReset();
        byte[] expected = [.. k1, .. k2, .. k3];
        Assert.True(expected.Length >= length && k1.Length < length);

        var actual = KeyDerivation.Derive(hash, K, H, letter, SessionId, length);

        Assert.Equal(expected[..length], actual);
    }

    [Fact]
    public void ShortOutputIsAPrefixOfTheFirstBlock()
    {
        var full = KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'C', SessionId, 32);
        var iv = KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'C', SessionId, 16);
        Assert.Equal(full[..16], iv);
        Assert.Equal(CryptographicOperations.HashData(HashAlgorithmName.SHA256, [.. K, .. H, (byte)'C', .. SessionId]), full);
    }

    [Fact]
    public void LettersGiveDifferentKeys()
    {
        var keys = "ABCDEF".Select(c => Convert.ToHexString(KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, c, SessionId, 32)));
        Assert.Equal(6, keys.Distinct().Count());
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'G', SessionId, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'A', SessionId, -1));
        Assert.Empty(KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'A', SessionId, 0));
    }
}
