using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

public abstract partial class SshPublicKey : IEquatable<SshPublicKey>
{
    /// <summary>
    /// Parses a public key or certificate blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4,
    /// PROTOCOL.certkeys) and picks the subclass from its key type.
    /// </summary>
    /// <exception cref="SshConnectionException">The blob is malformed, has trailing bytes, or names an unsupported key type.</exception>
    public static SshPublicKey Parse(ReadOnlySpan<byte> blob)
    {
        var r = new SshReader(blob);
        string keyType = SshKeyEncoding.ReadKeyType(ref r);
        if (keyType.EndsWith(SshCertificate.CertSuffix, StringComparison.Ordinal))
        {
            string plain = keyType[..^SshCertificate.CertSuffix.Length];
            if (!IsSupportedPlainType(plain))
            {
                throw new SshConnectionException($"unsupported certificate type '{keyType}'");
            }

            return SshCertificate.ParseCertificate(blob, keyType);
        }

        return ParsePlain(blob);
    }

    /// <summary>Like <see cref="Parse"/>, but returns false instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<byte> blob, [NotNullWhen(true)] out SshPublicKey? key)
    {
        try
        {
            key = Parse(blob);
            return true;
        }
        catch (SshConnectionException)
        {
            key = null;
            return false;
        }
    }

    /// <summary>
    /// The SHA-256 fingerprint as OpenSSH prints it (<c>ssh-keygen -l</c>): <c>SHA256:</c> and
    /// the unpadded base64 of SHA-256 over the blob. Like OpenSSH, a certificate's fingerprint
    /// is that of the certified key, so logs identify the same key with or without its certificate.
    /// </summary>
    public string GetSha256Fingerprint()
    {
        var blob = this is SshCertificate cert ? cert.Key.Blob : Blob;
        return "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob.Span)).TrimEnd('=');
    }

    /// <summary>The one-line OpenSSH form used in <c>.pub</c> files and authorized_keys: <c>type base64 [comment]</c>.</summary>
    public string ToOpenSshString(string? comment = null)
    {
        string line = KeyType + " " + Convert.ToBase64String(Blob.Span);
        return string.IsNullOrEmpty(comment) ? line : line + " " + comment;
    }

    /// <summary>
    /// Verifies a complete signature blob (<c>string algorithm || string signature</c>) over
    /// <paramref name="data"/>. The algorithm must be one of <see cref="SignatureAlgorithms"/>;
    /// <paramref name="algorithm"/> receives the name found (empty when the blob is unreadable) so
    /// the caller can check it against what was negotiated or requested.
    /// </summary>
    public bool VerifySignatureBlob(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob, out string algorithm)
    {
        algorithm = "";
        ReadOnlySpan<byte> signature;
        try
        {
            var r = new SshReader(signatureBlob);
            algorithm = r.ReadString(256);
            signature = r.ReadBinary();
            r.EnsureEnd();
        }
        catch (SshConnectionException)
        {
            return false;
        }

        return SignatureAlgorithms.Contains(algorithm) && Verify(algorithm, data, signature);
    }

    /// <summary>Keys are equal when their blobs are byte-for-byte equal.</summary>
    public bool Equals(SshPublicKey? other) =>
        other is not null && Blob.Span.SequenceEqual(other.Blob.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Blob.Span);
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => KeyType + " " + GetSha256Fingerprint();

    /// <summary>Parses a blob that must be a plain key (not a certificate).</summary>
    internal static SshPublicKey ParsePlain(ReadOnlySpan<byte> blob)
    {
        var r = new SshReader(blob);
        string keyType = SshKeyEncoding.ReadKeyType(ref r);
        var key = ReadPlainKeyBody(ref r, keyType);
        r.EnsureEnd();
        return key;
    }

    private static bool IsSupportedPlainType(string keyType) =>
        keyType == Ed25519PublicKey.Name || keyType == RsaPublicKey.Name || EcdsaCurveInfo.FromKeyType(keyType) is not null;

    /// <summary>
    /// Reads the key fields that follow the key type, in the order shared by plain keys and
    /// certificates (certificates put the nonce in between, which the caller has read).
    /// </summary>
    private protected static SshPublicKey ReadPlainKeyBody(ref SshReader r, string keyType)
    {
        try
        {
            if (keyType == Ed25519PublicKey.Name)
            {
                var pk = r.ReadBinary();
                if (pk.Length != 32)
                {
                    throw new SshConnectionException("Ed25519 public key must be 32 bytes");
                }

                return new Ed25519PublicKey(pk);
            }

            if (keyType == RsaPublicKey.Name)
            {
                var e = SshKeyEncoding.ReadUnsignedMpint(ref r, RsaPublicKey.MaximumModulusBits / 8);
                var n = SshKeyEncoding.ReadUnsignedMpint(ref r, RsaPublicKey.MaximumModulusBits / 8);
                return new RsaPublicKey(e, n);
            }

            if (EcdsaCurveInfo.FromKeyType(keyType) is { } curve)
            {
                string identifier = r.ReadString(64);
                if (identifier != curve.Identifier)
                {
                    throw new SshConnectionException($"ECDSA curve '{identifier}' does not match key type '{keyType}'");
                }

                return new EcdsaPublicKey(keyType, r.ReadBinary());
            }
        }
        catch (ArgumentException ex)
        {
            throw new SshConnectionException("invalid public key: " + ex.Message, inner: ex);
        }
        catch (CryptographicException ex)
        {
            throw new SshConnectionException("invalid public key: " + ex.Message, inner: ex);
        }

        throw new SshConnectionException($"unsupported public key type '{keyType}'");
    }
}
