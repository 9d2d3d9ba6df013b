using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

/// <summary>An ECDSA private key on nistp256, nistp384 or nistp521 (RFC 5656).</summary>
public sealed class EcdsaPrivateKey : SshPrivateKey
{
    private readonly ECDsa _ecdsa;
    private readonly EcdsaCurveInfo _curve;
    private readonly EcdsaPublicKey _publicKey;
    private readonly Lock _lock = new();

    /// <summary>Creates the key from BCL parameters with the private scalar D.</summary>
    /// <exception cref="ArgumentException">The curve is not one of the three NIST curves, or D is missing.</exception>
    /// <exception cref="CryptographicException">The parameters do not form a valid key.</exception>
    public EcdsaPrivateKey(ECParameters parameters)
    {
        _curve = EcdsaCurveInfo.FromCurve(parameters.Curve) ?? throw new ArgumentException("only nistp256, nistp384 and nistp521 keys are supported", nameof(parameters));
        if (parameters.D is null)
        {
            throw new ArgumentException("the parameters hold no private key", nameof(parameters));
        }

        _ecdsa = ECDsa.Create(parameters);
        var exported = _ecdsa.ExportParameters(false);
        var q = new byte[1 + (2 * _curve.FieldBytes)];
        q[0] = 0x04;
        SshKeyEncoding.ToFixed(exported.Q.X, _curve.FieldBytes).CopyTo(q, 1);
        SshKeyEncoding.ToFixed(exported.Q.Y, _curve.FieldBytes).CopyTo(q, 1 + _curve.FieldBytes);
        _publicKey = new EcdsaPublicKey(_curve.KeyType, q);
    }

    /// <summary>Generates a key for <paramref name="keyType"/> (<c>ecdsa-sha2-nistp256</c>, <c>-nistp384</c> or <c>-nistp521</c>).</summary>
    public static EcdsaPrivateKey Generate(string keyType)
    {
        var curve = EcdsaCurveInfo.FromKeyType(keyType) ?? throw new ArgumentException($"unsupported ECDSA key type '{keyType}'", nameof(keyType));
        using var ecdsa = ECDsa.Create(curve.Curve);
        var parameters = ecdsa.ExportParameters(true);
        try
        {
            return new EcdsaPrivateKey(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey => _publicKey;

    /// <summary>The key as BCL parameters, including the private scalar.</summary>
    public ECParameters ExportParameters()
    {
        lock (_lock)
        {
            return _ecdsa.ExportParameters(true);
        }
    }

    /// <inheritdoc/>
    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        if (signatureAlgorithm != _curve.KeyType)
        {
            throw new ArgumentException($"a {_curve.KeyType} key cannot sign with '{signatureAlgorithm}'", nameof(signatureAlgorithm));
        }

        byte[] fixedSignature;
        lock (_lock)
        {
            fixedSignature = _ecdsa.SignData(data, _curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        // RFC 5656 §3.1.2: the signature is mpint r || mpint s, not the fixed-width concatenation.
        using var w = new SshWriter(16 + fixedSignature.Length);
        w.WriteMpintFromUnsigned(fixedSignature.AsSpan(0, _curve.FieldBytes));
        w.WriteMpintFromUnsigned(fixedSignature.AsSpan(_curve.FieldBytes));
        return w.ToArray();
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _ecdsa.Dispose();
        base.Dispose();
    }

    private protected override void WritePrivateFields(SshWriter w)
    {
        w.WriteString(_curve.Identifier);
        w.WriteBinary(_publicKey.Q.Span);
        var parameters = ExportParameters();
        w.WriteMpintFromUnsigned(parameters.D);
        CryptographicOperations.ZeroMemory(parameters.D);
    }
}
