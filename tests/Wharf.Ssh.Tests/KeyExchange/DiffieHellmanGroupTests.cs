using System.Numerics;
using Wharf.Ssh.Algorithms.KeyExchange;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>
/// The RFC 3526 primes are embedded as hex; these checks catch any transcription error: each
/// p = 2^N − 2^(N−64) − 1 + 2^64·(…) has its top and bottom 64 bits set, is N bits long, and is
/// a safe prime (p and (p−1)/2 pass Miller-Rabin).
/// </summary>
public class DiffieHellmanGroupTests
{
    public static TheoryData<int> Sizes() => [2048, 3072, 4096, 6144, 8192];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Rfc3526PrimeIsASafePrimeOfTheRightShape(int bits)
    {
        var group = Assert.Single(DiffieHellmanGroup.All, g => g.Bits == bits);
        var p = group.P;
        var ones64 = (BigInteger.One << 64) - 1;

        Assert.Equal(bits, p.GetBitLength());
        Assert.Equal(ones64, p >> (bits - 64));
        Assert.Equal(ones64, p & ones64);
        Assert.Equal(2, group.G);

        var q = (p - 1) / 2;
        Assert.True(IsProbablePrime(p), "p is composite");
        Assert.True(IsProbablePrime(q), "(p-1)/2 is composite");

        // p ≡ 7 (mod 8), so 2 is a quadratic residue and generates the prime-order subgroup of size q.
        Assert.Equal(BigInteger.One, BigInteger.ModPow(2, q, p));
    }

    [Fact]
    public void GroupsAreOrderedSmallestFirst()
    {
        Assert.Equal([2048, 3072, 4096, 6144, 8192], DiffieHellmanGroup.All.Select(g => g.Bits));
    }

    [Fact]
    public void MillerRabinItselfTellsPrimesFromComposites()
    {
        // Guards the checker: a Carmichael number, odd multiples of the group primes, and a known prime.
        Assert.False(IsProbablePrime(561));
        Assert.False(IsProbablePrime(DiffieHellmanGroup.Group14.P * 3));
        Assert.False(IsProbablePrime(DiffieHellmanGroup.Group14.P * DiffieHellmanGroup.Group15.P));
        Assert.True(IsProbablePrime((BigInteger.One << 127) - 1));
    }

    private static readonly int[] Bases = [2, 3, 5];

    /// <summary>
    /// Miller-Rabin with a few fixed bases: a number built from a mistyped hex digit is a random
    /// odd number, which one round already exposes with overwhelming probability; more rounds
    /// would only slow the 8192-bit case.
    /// </summary>
    private static bool IsProbablePrime(BigInteger n)
    {
        if (n < 2 || n.IsEven)
        {
            return n == 2;
        }

        var d = n - 1;
        int s = 0;
        while (d.IsEven)
        {
            d >>= 1;
            s++;
        }

        var nMinusOne = n - 1;
        foreach (var a in Bases)
        {
            var x = BigInteger.ModPow(a, d, n);
            if (x.IsOne || x == nMinusOne)
            {
                continue;
            }

            bool witness = true;
            for (int i = 1; i < s; i++)
            {
                x = BigInteger.ModPow(x, 2, n);
                if (x == nMinusOne)
                {
                    witness = false;
                    break;
                }
            }

            if (witness)
            {
                return false;
            }
        }

        return true;
    }
}
