using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

/// <summary>An <c>ecdsa-sha2-nistp256/384/521</c> public key (RFC 5656).</summary>
public sealed class EcdsaPublicKey : SshPublicKey
{
    private readonly byte[] _q;
    private readonly byte[] _blob;
    private readonly string[] _algorithms;

    /// <summary>
    /// Wraps the uncompressed point <paramref name="q"/> (0x04 || X || Y) on the curve named by
    /// <paramref name="keyType"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown curve, a malformed point, or a point not on the curve.</exception>
    public EcdsaPublicKey(string keyType, ReadOnlySpan<byte> q)
    {
        Curve = EcdsaCurveInfo.FromKeyType(keyType) ?? throw new ArgumentException($"unsupported ECDSA key type '{keyType}'", nameof(keyType));
        ValidatePoint(Curve, q);
        _q = q.ToArray();
        _algorithms = [Curve.KeyType];
        using var w = new SshWriter(32 + q.Length);
        w.WriteString(Curve.KeyType);
        w.WriteString(Curve.Identifier);
        w.WriteBinary(_q);
        _blob = w.ToArray();
    }

    /// <summary>The SSH curve identifier: <c>nistp256</c>, <c>nistp384</c> or <c>nistp521</c>.</summary>
    public string CurveName => Curve.Identifier;

    /// <summary>The public point in uncompressed SEC1 form (0x04 || X || Y).</summary>
    public ReadOnlyMemory<byte> Q => _q;

    internal EcdsaCurveInfo Curve { get; }

    /// <inheritdoc/>
    public override string KeyType => Curve.KeyType;

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Blob => _blob;

    /// <inheritdoc/>
    public override int KeySizeBits => Curve.Bits;

    /// <inheritdoc/>
    public override IReadOnlyList<string> SignatureAlgorithms => _algorithms;

    /// <summary>The key as BCL parameters (public part only).</summary>
    public ECParameters ExportParameters() => new()
    {
        Curve = Curve.Curve,
        Q = new ECPoint
        {
            X = _q.AsSpan(1, Curve.FieldBytes).ToArray(),
            Y = _q.AsSpan(1 + Curve.FieldBytes, Curve.FieldBytes).ToArray(),
        },
    };

    /// <inheritdoc/>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signatureAlgorithm != Curve.KeyType)
        {
            return false;
        }

        byte[] fixedSignature;
        try
        {
            var r = new SshReader(signature);
            var rBytes = SshKeyEncoding.ReadUnsignedMpint(ref r, Curve.FieldBytes);
            var sBytes = SshKeyEncoding.ReadUnsignedMpint(ref r, Curve.FieldBytes);
            r.EnsureEnd();
            if (rBytes.IsEmpty || sBytes.IsEmpty)
            {
                return false;
            }

            fixedSignature = new byte[2 * Curve.FieldBytes];
            rBytes.CopyTo(fixedSignature.AsSpan(Curve.FieldBytes - rBytes.Length));
            sBytes.CopyTo(fixedSignature.AsSpan(2 * Curve.FieldBytes - sBytes.Length));
        }
        catch (SshConnectionException)
        {
            return false;
        }

        using var ecdsa = ECDsa.Create(ExportParameters());
        return ecdsa.VerifyData(data, fixedSignature, Curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// Rejects anything but an uncompressed point that lies on the curve, so an invalid-curve
    /// point never reaches a verifier (BouncyCastle's decoder performs the curve-equation check).
    /// </summary>
    private static void ValidatePoint(EcdsaCurveInfo curve, ReadOnlySpan<byte> q)
    {
        if (q.Length != 1 + 2 * curve.FieldBytes || q[0] != 0x04)
        {
            throw new ArgumentException($"ECDSA point for {curve.Identifier} must be uncompressed and {1 + 2 * curve.FieldBytes} bytes");
        }

        var parameters = Org.BouncyCastle.Asn1.Nist.NistNamedCurves.GetByName(curve.BouncyCastleName);
        try
        {
            var point = parameters.Curve.DecodePoint(q.ToArray());
            if (point.IsInfinity || !point.IsValid())
            {
                throw new ArgumentException("ECDSA point is not a valid curve point");
            }
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException("ECDSA point is not on the curve", ex);
        }
    }
}
