using System.Security.Cryptography;

namespace Wharf.Ssh.Keys;

/// <summary>The three NIST curves SSH uses (RFC 5656 §10.1) and what each one implies.</summary>
internal sealed class EcdsaCurveInfo
{
    public static readonly EcdsaCurveInfo P256 = new("nistp256", "1.2.840.10045.3.1.7", "P-256", 256, 32, HashAlgorithmName.SHA256, ["nistP256", "ECDSA_P256", "secp256r1", "prime256v1"]);
    public static readonly EcdsaCurveInfo P384 = new("nistp384", "1.3.132.0.34", "P-384", 384, 48, HashAlgorithmName.SHA384, ["nistP384", "ECDSA_P384", "secp384r1"]);
    public static readonly EcdsaCurveInfo P521 = new("nistp521", "1.3.132.0.35", "P-521", 521, 66, HashAlgorithmName.SHA512, ["nistP521", "ECDSA_P521", "secp521r1"]);

    private static readonly EcdsaCurveInfo[] All = [P256, P384, P521];

    private readonly string[] _friendlyNames;

    private EcdsaCurveInfo(string identifier, string oid, string bcName, int bits, int fieldBytes, HashAlgorithmName hash, string[] friendlyNames)
    {
        Identifier = identifier;
        KeyType = "ecdsa-sha2-" + identifier;
        Oid = oid;
        BouncyCastleName = bcName;
        Bits = bits;
        FieldBytes = fieldBytes;
        Hash = hash;
        _friendlyNames = friendlyNames;
    }

    /// <summary>The SSH curve identifier, e.g. <c>nistp256</c>.</summary>
    public string Identifier { get; }

    public string KeyType { get; }

    public string Oid { get; }

    public string BouncyCastleName { get; }

    public int Bits { get; }

    /// <summary>Bytes of one coordinate, and of r and s in fixed-width form.</summary>
    public int FieldBytes { get; }

    public HashAlgorithmName Hash { get; }

    public ECCurve Curve => ECCurve.CreateFromValue(Oid);

    public static EcdsaCurveInfo? FromKeyType(string keyType)
    {
        foreach (var c in All)
        {
            if (c.KeyType == keyType)
            {
                return c;
            }
        }

        return null;
    }

    public static EcdsaCurveInfo? FromIdentifier(string identifier)
    {
        foreach (var c in All)
        {
            if (c.Identifier == identifier)
            {
                return c;
            }
        }

        return null;
    }

    /// <summary>Finds the curve of a BCL key; platforms disagree on whether they fill in the OID value or only a friendly name.</summary>
    public static EcdsaCurveInfo? FromCurve(ECCurve curve)
    {
        if (!curve.IsNamed || curve.Oid is null)
        {
            return null;
        }

        foreach (var c in All)
        {
            if (curve.Oid.Value == c.Oid)
            {
                return c;
            }

            if (curve.Oid.Value is null && curve.Oid.FriendlyName is { } name
                && c._friendlyNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return c;
            }
        }

        return null;
    }

    public static EcdsaCurveInfo? FromOid(string oid) => All.FirstOrDefault(c => c.Oid == oid);
}
