using Wharf.Ssh.Algorithms.KeyExchange;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>
/// ML-KEM-768 against NIST's ACVP sample vectors (FIPS 203), replayed through Wharf's wrapper so
/// the seed layout, the randomness it draws and the key check are what is tested, not only
/// BouncyCastle. Sources are named at the top of each file under Vectors/.
/// </summary>
public class MlKem768VectorTests
{
    public static TheoryData<int> KeyGen() => Indexes("mlkem768-keygen.txt");

    public static TheoryData<int> Encap() => Indexes("mlkem768-encap.txt");

    public static TheoryData<int> Decap() => Indexes("mlkem768-decap.txt");

    public static TheoryData<int> InvalidKeys() => [.. Enumerable.Range(0, InvalidKeyLines().Count)];

    [Theory]
    [MemberData(nameof(KeyGen))]
    public void KeyGenerationFromDAndZGivesThePublishedEncapsulationKey(int index)
    {
        var v = VectorFile.Records("mlkem768-keygen.txt")[index];

        // FIPS 203 algorithm 19 draws d, then z; the wrapper must take its 64-byte seed in that order.
        var random = new FixedRandom(v.Hex("d"), v.Hex("z"));
        using var pair = new MlKem768(new Org.BouncyCastle.Security.SecureRandom(random)).GenerateKeyPair();
        Assert.True(random.Exhausted);
        Assert.Equal(v.Hex("ek"), pair.PublicKey.ToArray());

        // The published dk embeds ek and H(ek); decapsulating with it must agree with our pair.
        var (c, k) = new MlKem768().Encapsulate(pair.PublicKey);
        using var published = MlKem768.FromDecapsulationKey(v.Hex("dk"));
        Assert.Equal(k, published.Decapsulate(c));
        Assert.Equal(k, pair.Decapsulate(c));
    }

    [Theory]
    [MemberData(nameof(Encap))]
    public void EncapsulationWithMessageMGivesThePublishedCiphertextAndSecret(int index)
    {
        var v = VectorFile.Records("mlkem768-encap.txt")[index];
        var random = new FixedRandom(v.Hex("m"));
        var (c, k) = new MlKem768(new Org.BouncyCastle.Security.SecureRandom(random)).Encapsulate(v.Hex("ek"));
        Assert.True(random.Exhausted);
        Assert.Equal(v.Hex("c"), c);
        Assert.Equal(v.Hex("k"), k);
    }

    [Theory]
    [MemberData(nameof(Decap))]
    public void DecapsulationGivesThePublishedSecretIncludingImplicitRejection(int index)
    {
        var v = VectorFile.Records("mlkem768-decap.txt")[index];
        using var pair = MlKem768.FromDecapsulationKey(v.Hex("dk"));
        Assert.Equal(v.Hex("k"), pair.Decapsulate(v.Hex("c")));
    }

    [Fact]
    public void TheDecapsulationVectorsIncludeModifiedCiphertexts()
    {
        var reasons = VectorFile.Records("mlkem768-decap.txt").Select(r => r["reason"]).ToList();
        Assert.Contains("modify ciphertext", reasons);
        Assert.Contains("no modification", reasons);
    }

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public void EncapsulationKeyFailingTheModulusCheckIsAKexFailure(int index)
    {
        var ek = Convert.FromHexString(InvalidKeyLines()[index]);
        Assert.Equal(MlKem768.EncapsulationKeyLength, ek.Length);
        var ex = Assert.Throws<SshConnectionException>(() => new MlKem768().Encapsulate(ek));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1183)]
    [InlineData(1185)]
    public void EncapsulationKeyOfTheWrongLengthIsAKexFailure(int length)
    {
        var ex = Assert.Throws<SshConnectionException>(() => new MlKem768().Encapsulate(new byte[length]));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    [Theory]
    [InlineData(1087)]
    [InlineData(1089)]
    public void CiphertextOfTheWrongLengthIsAKexFailure(int length)
    {
        using var pair = new MlKem768().GenerateKeyPair();
        var ex = Assert.Throws<SshConnectionException>(() => pair.Decapsulate(new byte[length]));
        Assert.Equal(SshDisconnectReason.KeyExchangeFailed, ex.Reason);
    }

    private static List<string> InvalidKeyLines() =>
        [.. File.ReadLines(VectorFile.PathOf("mlkem768-invalid-ek.txt")).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    private static TheoryData<int> Indexes(string file) => [.. Enumerable.Range(0, VectorFile.Records(file).Count)];
}
