using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.KeyExchange;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>
/// Wharf's own sntrup761 encapsulation beyond the OpenSSH vectors: against fresh BouncyCastle key
/// pairs (an independent implementation decapsulates what ours encapsulates), and its sorting
/// network against an ordinary sort.
/// </summary>
public class Sntrup761EncapsulatorTests
{
    [Fact]
    public void AnIndependentImplementationDecapsulatesEveryEncapsulation()
    {
        var kem = new Sntrup761();
        for (int i = 0; i < 40; i++)
        {
            using var pair = kem.GenerateKeyPair();
            var (ct, ss) = kem.Encapsulate(pair.PublicKey);
            Assert.Equal(ss, pair.Decapsulate(ct));
        }
    }

    [Fact]
    public void TwoEncapsulationsToOneKeyDiffer()
    {
        var kem = new Sntrup761();
        using var pair = kem.GenerateKeyPair();
        var (ct1, ss1) = kem.Encapsulate(pair.PublicKey);
        var (ct2, ss2) = kem.Encapsulate(pair.PublicKey);
        Assert.NotEqual(ct1, ct2);
        Assert.NotEqual(ss1, ss2);
    }

    public static TheoryData<string> Shapes() => ["random", "equal", "descending", "ascending", "sign-bit", "lengths"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheSortingNetworkSorts(string shape)
    {
        int[] lengths = shape == "lengths" ? [1, 2, 3, 5, 17, 64, 255, 256, 257, 760] : [761];
        foreach (int n in lengths)
        {
            var data = new uint[n];
            var bytes = RandomNumberGenerator.GetBytes(n * 4);
            for (int i = 0; i < n; i++)
            {
                data[i] = shape switch
                {
                    "equal" => 7u,
                    "descending" => (uint)(n - i),
                    "ascending" => (uint)i,
                    "sign-bit" => (i % 2 == 0 ? 0x80000000u : 0u) | (uint)i, // unsigned order, not signed
                    _ => BitConverter.ToUInt32(bytes, i * 4),
                };
            }

            var expected = data.ToArray();
            Array.Sort(expected);
            Sntrup761Encapsulator.SortUInt32(data);
            Assert.Equal(expected, data);
        }
    }
}
