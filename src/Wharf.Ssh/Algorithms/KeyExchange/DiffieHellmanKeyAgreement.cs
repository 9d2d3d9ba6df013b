using System.Numerics;
using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Finite-field Diffie-Hellman (RFC 4253 §8) over a safe-prime group: public values are
/// mpints, and both the peer's value and K must lie strictly between 1 and p − 1.
/// </summary>
/// <remarks>
/// <see cref="BigInteger.ModPow(BigInteger, BigInteger, BigInteger)"/> is not constant-time;
/// the exponent is ephemeral and used once, which limits what a timing observer can learn.
/// </remarks>
internal sealed class DiffieHellmanKeyAgreement : KeyAgreement
{
    private readonly BigInteger _p;
    private readonly BigInteger _pMinusOne;
    private BigInteger _x;
    private readonly BigInteger _publicValue;
    private BigInteger? _peerPublic;

    /// <param name="p">A safe prime (checked by the caller: fixed groups are known, and GEX clients bound the size).</param>
    /// <param name="g">The generator.</param>
    /// <param name="exponentBits">Size of the random private exponent; must be well below the size of p.</param>
    public DiffieHellmanKeyAgreement(BigInteger p, BigInteger g, int exponentBits)
    {
        _p = p;
        _pMinusOne = p - 1;
        var bytes = new byte[(exponentBits + 7) / 8];
        try
        {
            do
            {
                RandomNumberGenerator.Fill(bytes);
                _x = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            }
            while (_x < 2);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        _publicValue = BigInteger.ModPow(g, _x, p);
    }

    /// <summary>This side's public value (e on the client, f on the server).</summary>
    public BigInteger PublicValue => _publicValue;

    public override void WriteLocalPublic(SshWriter w) => w.WriteMpint(_publicValue);

    public override void ReadPeerPublic(ref SshReader r)
    {
        var value = r.ReadMpint();

        // RFC 4253 §8: values outside [2, p−2] are rejected; 1 and p−1 would confine K to {1, p−1}.
        if (value <= BigInteger.One || value >= _pMinusOne)
        {
            throw KexFailure.Failed("Diffie-Hellman public value is out of range");
        }

        _peerPublic = value;
    }

    public override void WritePeerPublic(SshWriter w) => w.WriteMpint(Peer);

    public override byte[] DeriveSharedSecret()
    {
        var k = BigInteger.ModPow(Peer, _x, _p);

        // RFC 4419 §3: K must satisfy 1 < K < p − 1 (it always does for a valid peer value in a
        // safe-prime group, so this only trips on a broken group).
        if (k <= BigInteger.One || k >= _pMinusOne)
        {
            throw KexFailure.Failed("Diffie-Hellman shared secret is out of range");
        }

        using var w = new SshWriter(k.GetByteCount() + 8);
        w.WriteMpint(k);
        var result = w.ToArray();
        CryptographicOperations.ZeroMemory(w.WrittenSpan);
        return result;
    }

    public override void Dispose()
    {
        _x = BigInteger.Zero;
        base.Dispose();
    }

    /// <summary>
    /// Exponent size for a group of <paramref name="primeBits"/> bits: at least twice its
    /// security strength (NIST SP 800-57: 112 bits for 2048, 128 for 3072, 152 for 4096, 176 for
    /// 6144, 200 for 8192), which keeps the exponentiation far cheaper than a full-size exponent.
    /// </summary>
    public static int ExponentBitsFor(int primeBits) => primeBits <= 2048 ? 256 : primeBits <= 3072 ? 384 : 512;

    private BigInteger Peer => _peerPublic ?? throw new InvalidOperationException("peer public value not read yet");
}
