using System.Numerics;
using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

/// <summary>An RSA private key that signs with rsa-sha2-512, rsa-sha2-256 or ssh-rsa (PKCS#1 v1.5).</summary>
public sealed class RsaPrivateKey : SshPrivateKey
{
    /// <summary>Modulus size used when none is asked for, as ssh-keygen does.</summary>
    public const int DefaultBits = 3072;

    private readonly RSA _rsa;
    private readonly RsaPublicKey _publicKey;
    private readonly Lock _lock = new();

    /// <summary>Creates the key from BCL parameters that include the private CRT values.</summary>
    /// <exception cref="ArgumentException">The parameters hold no private key, or the modulus size is not accepted.</exception>
    /// <exception cref="CryptographicException">The parameters do not form a valid key.</exception>
    public RsaPrivateKey(RSAParameters parameters)
    {
        if (parameters.D is null || parameters.P is null || parameters.Q is null || parameters.Modulus is null || parameters.Exponent is null)
        {
            throw new ArgumentException("the parameters hold no private key", nameof(parameters));
        }

        _publicKey = new RsaPublicKey(parameters.Exponent, parameters.Modulus);
        _rsa = RSA.Create(parameters);
    }

    /// <summary>Generates a key with a modulus of <paramref name="bits"/> bits (2048..16384, a multiple of 8).</summary>
    public static RsaPrivateKey Generate(int bits = DefaultBits)
    {
        if (bits < 2048 || bits > RsaPublicKey.MaximumModulusBits || bits % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "RSA keys must be 2048..16384 bits, a multiple of 8");
        }

        using var rsa = RSA.Create(bits);
        var parameters = rsa.ExportParameters(true);
        try
        {
            return new RsaPrivateKey(parameters);
        }
        finally
        {
            Clear(parameters);
        }
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey => _publicKey;

    /// <summary>The key as BCL parameters, including the private values.</summary>
    public RSAParameters ExportParameters()
    {
        lock (_lock)
        {
            return _rsa.ExportParameters(true);
        }
    }

    /// <inheritdoc/>
    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        var hash = RsaPublicKey.HashFor(signatureAlgorithm)
            ?? throw new ArgumentException($"an RSA key cannot sign with '{signatureAlgorithm}'", nameof(signatureAlgorithm));
        lock (_lock)
        {
            return _rsa.SignData(data.ToArray(), hash, RSASignaturePadding.Pkcs1);
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _rsa.Dispose();
        base.Dispose();
    }

    /// <summary>Builds BCL parameters from the values OpenSSH stores (n, e, d, iqmp, p, q), deriving the CRT exponents.</summary>
    internal static RSAParameters FromOpenSsh(ReadOnlySpan<byte> n, ReadOnlySpan<byte> e, ReadOnlySpan<byte> d, ReadOnlySpan<byte> iqmp, ReadOnlySpan<byte> p, ReadOnlySpan<byte> q)
    {
        int modulusLength = n.Length;
        int halfLength = (modulusLength + 1) / 2;
        var dValue = SshKeyEncoding.ToBigInteger(d);
        var pValue = SshKeyEncoding.ToBigInteger(p);
        var qValue = SshKeyEncoding.ToBigInteger(q);
        if (pValue <= BigInteger.One || qValue <= BigInteger.One || pValue * qValue != SshKeyEncoding.ToBigInteger(n))
        {
            throw new FormatException("RSA private key: p·q does not equal the modulus");
        }

        return new RSAParameters
        {
            Modulus = n.ToArray(),
            Exponent = e.ToArray(),
            D = SshKeyEncoding.ToFixed(d, modulusLength),
            P = SshKeyEncoding.ToFixed(p, halfLength),
            Q = SshKeyEncoding.ToFixed(q, halfLength),
            DP = SshKeyEncoding.ToFixed(SshKeyEncoding.ToUnsignedBytes(dValue % (pValue - 1)), halfLength),
            DQ = SshKeyEncoding.ToFixed(SshKeyEncoding.ToUnsignedBytes(dValue % (qValue - 1)), halfLength),
            InverseQ = SshKeyEncoding.ToFixed(iqmp, halfLength),
        };
    }

    private protected override void WritePrivateFields(SshWriter w)
    {
        var parameters = ExportParameters();
        try
        {
            w.WriteMpintFromUnsigned(parameters.Modulus);
            w.WriteMpintFromUnsigned(parameters.Exponent);
            w.WriteMpintFromUnsigned(parameters.D);
            w.WriteMpintFromUnsigned(parameters.InverseQ);
            w.WriteMpintFromUnsigned(parameters.P);
            w.WriteMpintFromUnsigned(parameters.Q);
        }
        finally
        {
            Clear(parameters);
        }
    }

    private static void Clear(RSAParameters parameters)
    {
        CryptographicOperations.ZeroMemory(parameters.D);
        CryptographicOperations.ZeroMemory(parameters.P);
        CryptographicOperations.ZeroMemory(parameters.Q);
        CryptographicOperations.ZeroMemory(parameters.DP);
        CryptographicOperations.ZeroMemory(parameters.DQ);
        CryptographicOperations.ZeroMemory(parameters.InverseQ);
    }
}
