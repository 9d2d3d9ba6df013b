using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace Wharf.Ssh.Keys;

/// <summary>
/// Reads PEM private keys: PKCS#1, SEC1, PKCS#8 (plain and encrypted) and OpenSSL's legacy
/// "Proc-Type: 4,ENCRYPTED" form that <c>ssh-keygen -m PEM</c> writes with a passphrase.
/// </summary>
internal static class PemKeyReader
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";
    private const string Ed25519Oid = "1.3.101.112";

    public static SshPrivateKey Parse(string text, string? passphrase)
    {
        var (label, headers, der) = ReadPem(text);
        try
        {
            try
            {
                if (headers.TryGetValue("Proc-Type", out var procType) && procType.Contains("ENCRYPTED", StringComparison.OrdinalIgnoreCase))
                {
                    if (passphrase is null)
                    {
                        throw new FormatException("the private key is encrypted: a passphrase is required");
                    }

                    var decrypted = DecryptLegacy(der, headers, passphrase);
                    CryptographicOperations.ZeroMemory(der);
                    der = decrypted;
                }

                return label switch
                {
                    "RSA PRIVATE KEY" => FromRsa(rsa => rsa.ImportRSAPrivateKey(der, out _)),
                    "EC PRIVATE KEY" => FromEc(ec => ec.ImportECPrivateKey(der, out _)),
                    "PRIVATE KEY" => FromPkcs8(der),
                    "ENCRYPTED PRIVATE KEY" => FromEncryptedPkcs8(der, passphrase),
                    "OPENSSH PRIVATE KEY" => throw new FormatException("malformed OpenSSH private key armor"),
                    _ => throw new FormatException($"unsupported PEM key type '{label}'"),
                };
            }
            catch (CryptographicException ex)
            {
                throw new FormatException("PEM private key is invalid: " + ex.Message, ex);
            }
            catch (AsnContentException ex)
            {
                throw new FormatException("PEM private key is not valid DER: " + ex.Message, ex);
            }
            catch (ArgumentException ex)
            {
                throw new FormatException("PEM private key is invalid: " + ex.Message, ex);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static (string Label, Dictionary<string, string> Headers, byte[] Der) ReadPem(string text)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        int i = 0;
        while (i < lines.Length && !lines[i].StartsWith("-----BEGIN ", StringComparison.Ordinal))
        {
            i++;
        }

        if (i == lines.Length || !lines[i].EndsWith("-----", StringComparison.Ordinal) || lines[i].Length < 16)
        {
            throw new FormatException("not a PEM private key (no BEGIN line)");
        }

        string label = lines[i]["-----BEGIN ".Length..^5];
        string endLine = "-----END " + label + "-----";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var body = new StringBuilder();
        bool ended = false;
        for (i++; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line == endLine)
            {
                ended = true;
                break;
            }

            int colon = line.IndexOf(':');
            if (colon > 0 && body.Length == 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                continue;
            }

            body.Append(line);
        }

        if (!ended)
        {
            throw new FormatException($"PEM block '{label}' has no END line");
        }

        try
        {
            return (label, headers, Convert.FromBase64String(body.ToString()));
        }
        catch (FormatException ex)
        {
            throw new FormatException("PEM body is not valid base64", ex);
        }
    }

    private static SshPrivateKey FromRsa(Action<RSA> import)
    {
        using var rsa = RSA.Create();
        import(rsa);
        var parameters = rsa.ExportParameters(true);
        try
        {
            return new RsaPrivateKey(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
            CryptographicOperations.ZeroMemory(parameters.P);
            CryptographicOperations.ZeroMemory(parameters.Q);
            CryptographicOperations.ZeroMemory(parameters.DP);
            CryptographicOperations.ZeroMemory(parameters.DQ);
            CryptographicOperations.ZeroMemory(parameters.InverseQ);
        }
    }

    private static SshPrivateKey FromEc(Action<ECDsa> import)
    {
        using var ec = ECDsa.Create();
        try
        {
            import(ec);
        }
        catch (PlatformNotSupportedException ex)
        {
            // A named curve OpenSSL does not know (found by fuzzing: a P-256 OID with one arc changed).
            throw new FormatException("only nistp256, nistp384 and nistp521 EC keys are supported: " + ex.Message, ex);
        }

        var parameters = ec.ExportParameters(true);
        try
        {
            if (EcdsaCurveInfo.FromCurve(parameters.Curve) is null)
            {
                throw new FormatException("only nistp256, nistp384 and nistp521 EC keys are supported");
            }

            return new EcdsaPrivateKey(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    private static SshPrivateKey FromPkcs8(byte[] der)
    {
        string oid = ReadPkcs8AlgorithmOid(der);
        return oid switch
        {
            RsaOid => FromRsa(rsa => rsa.ImportPkcs8PrivateKey(der, out _)),
            EcOid => FromEc(ec => ec.ImportPkcs8PrivateKey(der, out _)),
            Ed25519Oid => FromEd25519Pkcs8(der),
            _ => throw new FormatException($"unsupported PKCS#8 key algorithm {oid}"),
        };
    }

    private static SshPrivateKey FromEncryptedPkcs8(byte[] der, string? passphrase)
    {
        if (passphrase is null)
        {
            throw new FormatException("the private key is encrypted: a passphrase is required");
        }

        // The algorithm is inside the encrypted part and the BCL has no generic PKCS#8
        // decryptor, so try the two importers it has. A wrong passphrase fails both.
        try
        {
            return FromRsa(rsa => rsa.ImportEncryptedPkcs8PrivateKey(passphrase, der, out _));
        }
        catch (CryptographicException)
        {
            try
            {
                return FromEc(ec => ec.ImportEncryptedPkcs8PrivateKey(passphrase, der, out _));
            }
            catch (CryptographicException ex)
            {
                throw new FormatException("cannot decrypt the PKCS#8 key: wrong passphrase or unsupported key type", ex);
            }
        }
    }

    private static string ReadPkcs8AlgorithmOid(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        outer.ReadInteger();
        var algorithm = outer.ReadSequence();
        return algorithm.ReadObjectIdentifier();
    }

    /// <summary>
    /// RFC 8410: PrivateKeyInfo whose privateKey OCTET STRING wraps a CurvePrivateKey, itself an
    /// OCTET STRING with the 32-byte seed. The BCL has no Ed25519 importer, hence by hand.
    /// </summary>
    private static SshPrivateKey FromEd25519Pkcs8(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var outer = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var version = outer.ReadInteger();
        if (version != 0 && version != 1)
        {
            throw new FormatException($"unsupported PKCS#8 version {version}");
        }

        var algorithm = outer.ReadSequence();
        algorithm.ReadObjectIdentifier();

        // RFC 8410 §3: the parameters MUST be absent.
        algorithm.ThrowIfNotEmpty();
        var wrapped = outer.ReadOctetString();
        var inner = new AsnReader(wrapped, AsnEncodingRules.DER);
        var seed = inner.ReadOctetString();
        inner.ThrowIfNotEmpty();
        CryptographicOperations.ZeroMemory(wrapped);
        if (seed.Length != 32)
        {
            throw new FormatException("Ed25519 PKCS#8 seed must be 32 bytes");
        }

        try
        {
            // Trailing attributes [0] and public key [1] are allowed but not needed.
            return new Ed25519PrivateKey(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>OpenSSL's traditional encryption: key = EVP_BytesToKey(MD5, passphrase, IV[0..8], 1 iteration).</summary>
    private static byte[] DecryptLegacy(byte[] data, Dictionary<string, string> headers, string passphrase)
    {
        if (!headers.TryGetValue("DEK-Info", out var dekInfo))
        {
            throw new FormatException("encrypted PEM lacks DEK-Info");
        }

        var parts = dekInfo.Split(',');
        if (parts.Length != 2)
        {
            throw new FormatException("malformed DEK-Info header");
        }

        byte[] iv;
        try
        {
            iv = Convert.FromHexString(parts[1].Trim());
        }
        catch (FormatException ex)
        {
            throw new FormatException("malformed DEK-Info IV", ex);
        }

        (int keyLength, int blockSize, Func<SymmetricAlgorithm> create) = parts[0].Trim().ToUpperInvariant() switch
        {
            "AES-128-CBC" => (16, 16, (Func<SymmetricAlgorithm>)Aes.Create),
            "AES-192-CBC" => (24, 16, Aes.Create),
            "AES-256-CBC" => (32, 16, Aes.Create),
            "DES-EDE3-CBC" => (24, 8, TripleDES.Create),
            var other => throw new FormatException($"unsupported PEM encryption '{other}'"),
        };

        if (iv.Length != blockSize || data.Length == 0 || data.Length % blockSize != 0)
        {
            throw new FormatException("encrypted PEM has a bad IV or length");
        }

        var password = Encoding.UTF8.GetBytes(passphrase);
        var key = new byte[keyLength];
        var previous = Array.Empty<byte>();
        for (int filled = 0; filled < keyLength;)
        {
            previous = MD5.HashData([.. previous, .. password, .. iv.AsSpan(0, 8)]);
            int n = Math.Min(previous.Length, keyLength - filled);
            previous.AsSpan(0, n).CopyTo(key.AsSpan(filled));
            filled += n;
        }

        try
        {
            using var cipher = create();
            cipher.Key = key;
            try
            {
                return cipher.DecryptCbc(data, iv, PaddingMode.PKCS7);
            }
            catch (CryptographicException ex)
            {
                throw new FormatException("incorrect passphrase (the decrypted key is not valid)", ex);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(password);
            CryptographicOperations.ZeroMemory(previous);
        }
    }
}
