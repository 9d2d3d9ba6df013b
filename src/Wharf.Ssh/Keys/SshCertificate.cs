using System.Text;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

/// <summary>
/// An OpenSSH certificate (PROTOCOL.certkeys, <c>*-cert-v01@openssh.com</c>): a public key plus
/// identity and validity information, signed by a CA key. Signatures are made by the certified
/// key, so <see cref="Verify"/> delegates to <see cref="Key"/>; whether the certificate itself is
/// genuine is <see cref="VerifyCaSignature"/>'s question.
/// </summary>
public sealed class SshCertificate : SshPublicKey
{
    /// <summary>The suffix every certificate key type and certificate algorithm name ends with.</summary>
    public const string CertSuffix = "-cert-v01@openssh.com";

    /// <summary>Forever, as a <see cref="ValidBefore"/> value.</summary>
    public const ulong Forever = ulong.MaxValue;

    private readonly byte[] _blob;
    private readonly string[] _algorithms;

    private SshCertificate(byte[] blob, string keyType, SshPublicKey key)
    {
        _blob = blob;
        KeyType = keyType;
        Key = key;
        _algorithms = key is RsaPublicKey
            ? ["rsa-sha2-512" + CertSuffix, "rsa-sha2-256" + CertSuffix, "ssh-rsa" + CertSuffix, .. key.SignatureAlgorithms]
            : [keyType, .. key.SignatureAlgorithms];
    }

    /// <inheritdoc/>
    public override string KeyType { get; }

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Blob => _blob;

    /// <inheritdoc/>
    public override int KeySizeBits => Key.KeySizeBits;

    /// <summary>
    /// The certificate names usable as a public key algorithm in KEXINIT or a userauth request
    /// (for RSA: rsa-sha2-512/256-cert-v01@openssh.com and ssh-rsa-cert-v01@openssh.com), followed by
    /// the plain names that appear inside signature blobs. <see cref="Verify"/> accepts both.
    /// </summary>
    public override IReadOnlyList<string> SignatureAlgorithms => _algorithms;

    /// <summary>The CA's random nonce.</summary>
    public ReadOnlyMemory<byte> Nonce { get; private init; }

    /// <summary>The certified key, which makes the signatures.</summary>
    public SshPublicKey Key { get; }

    /// <summary>The CA-assigned serial number (0 when the CA does not number certificates).</summary>
    public ulong Serial { get; private init; }

    /// <summary>User or host certificate.</summary>
    public SshCertificateType CertificateType { get; private init; }

    /// <summary>Free-form identity for logs.</summary>
    public string KeyId { get; private init; } = "";

    /// <summary>User names (or host names) the certificate is valid for; empty means "any" in the spec, and is refused by <see cref="UserCertificateValidator"/>.</summary>
    public IReadOnlyList<string> ValidPrincipals { get; private init; } = [];

    /// <summary>Seconds since the Unix epoch from which the certificate is valid (inclusive).</summary>
    public ulong ValidAfter { get; private init; }

    /// <summary>Seconds since the Unix epoch until which the certificate is valid (exclusive); <see cref="Forever"/> means no end.</summary>
    public ulong ValidBefore { get; private init; }

    /// <summary>Critical options: name → raw data (itself SSH-encoded, e.g. a string for source-address).</summary>
    public IReadOnlyDictionary<string, ReadOnlyMemory<byte>> CriticalOptions { get; private init; } = new Dictionary<string, ReadOnlyMemory<byte>>();

    /// <summary>Extensions: name → raw data.</summary>
    public IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Extensions { get; private init; } = new Dictionary<string, ReadOnlyMemory<byte>>();

    /// <summary>The CA key that signed the certificate (never itself a certificate).</summary>
    public SshPublicKey SignatureKey { get; private init; } = null!;

    /// <summary>The CA's signature blob (string algorithm || string signature).</summary>
    public ReadOnlyMemory<byte> Signature { get; private init; }

    /// <summary>
    /// Maps a certificate algorithm name (e.g. <c>rsa-sha2-512-cert-v01@openssh.com</c>) to the
    /// name its signature blobs carry (<c>rsa-sha2-512</c>); other names are returned unchanged.
    /// </summary>
    public static string GetSignatureFormat(string algorithm) =>
        algorithm.EndsWith(CertSuffix, StringComparison.Ordinal) ? algorithm[..^CertSuffix.Length] : algorithm;

    /// <summary>True when <paramref name="unixSeconds"/> lies in [<see cref="ValidAfter"/>, <see cref="ValidBefore"/>).</summary>
    public bool IsValidAt(ulong unixSeconds) => ValidAfter <= unixSeconds && unixSeconds < ValidBefore;

    /// <inheritdoc/>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (!_algorithms.Contains(signatureAlgorithm))
        {
            return false;
        }

        return Key.Verify(GetSignatureFormat(signatureAlgorithm), data, signature);
    }

    /// <summary>
    /// Checks the CA signature over the certificate (every field up to and including the
    /// signature key), with an algorithm the CA key allows. SHA-1 (<c>ssh-rsa</c>) CA signatures
    /// are refused, as OpenSSH does by default since 8.2.
    /// </summary>
    public bool VerifyCaSignature()
    {
        string algorithm;
        ReadOnlySpan<byte> signature;
        try
        {
            var r = new SshReader(Signature.Span);
            algorithm = r.ReadString(256);
            signature = r.ReadBinary();
            r.EnsureEnd();
        }
        catch (SshConnectionException)
        {
            return false;
        }

        if (SignatureKey is SshCertificate || algorithm == RsaPublicKey.Name || !SignatureKey.SignatureAlgorithms.Contains(algorithm))
        {
            return false;
        }

        return SignatureKey.Verify(algorithm, _blob.AsSpan(0, SignedLength), signature);
    }

    /// <summary>Decodes option data that holds exactly one string (force-command, source-address); null when it does not.</summary>
    internal static string? DecodeStringOption(ReadOnlyMemory<byte> data)
    {
        try
        {
            var r = new SshReader(data.Span);
            var s = r.ReadString();
            r.EnsureEnd();
            return s;
        }
        catch (SshConnectionException)
        {
            return null;
        }
    }

    /// <summary>Parses a certificate blob whose key type <paramref name="keyType"/> was already read.</summary>
    internal static SshCertificate ParseCertificate(ReadOnlySpan<byte> blob, string keyType)
    {
        var r = new SshReader(blob);
        r.ReadString(256);
        var nonce = r.ReadBinaryArray();
        string plainType = keyType[..^CertSuffix.Length];
        SshPublicKey key = ReadPlainKeyBody(ref r, plainType);

        ulong serial = r.ReadUInt64();
        uint type = r.ReadUInt32();
        if (type != (uint)SshCertificateType.User && type != (uint)SshCertificateType.Host)
        {
            throw new SshConnectionException($"unknown certificate type {type}");
        }

        string keyId = r.ReadString();
        var principals = ReadPrincipals(r.ReadBinary());
        ulong validAfter = r.ReadUInt64();
        ulong validBefore = r.ReadUInt64();
        var critical = ReadOptions(r.ReadBinary(), "critical option");
        var extensions = ReadOptions(r.ReadBinary(), "extension");
        r.ReadBinary(); // reserved
        var caBlob = r.ReadBinary();
        int signedLength = r.Position;
        var signature = r.ReadBinaryArray();
        r.EnsureEnd();

        // Chained certificates are not part of the protocol; refusing them at parse time means
        // no later check can forget to.
        var ca = ParsePlain(caBlob);

        return new SshCertificate(blob.ToArray(), keyType, key)
        {
            Nonce = nonce,
            Serial = serial,
            CertificateType = (SshCertificateType)type,
            KeyId = keyId,
            ValidPrincipals = principals,
            ValidAfter = validAfter,
            ValidBefore = validBefore,
            CriticalOptions = critical,
            Extensions = extensions,
            SignatureKey = ca,
            Signature = signature,
            SignedLength = signedLength,
        };
    }

    /// <summary>Bytes of the blob the CA signature covers.</summary>
    private int SignedLength { get; init; }

    private static List<string> ReadPrincipals(ReadOnlySpan<byte> data)
    {
        var list = new List<string>();
        var r = new SshReader(data);
        while (r.Remaining > 0)
        {
            list.Add(r.ReadString(1024));
        }

        return list;
    }

    private static Dictionary<string, ReadOnlyMemory<byte>> ReadOptions(ReadOnlySpan<byte> data, string what)
    {
        var options = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var r = new SshReader(data);
        while (r.Remaining > 0)
        {
            string name = r.ReadString(1024);
            var value = r.ReadBinaryArray();

            // A repeated option (say, two source-address lists) would be ambiguous; refuse it.
            if (!options.TryAdd(name, value))
            {
                throw new SshConnectionException($"certificate repeats the {what} '{name}'");
            }
        }

        return options;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        new StringBuilder().Append(KeyType).Append(" id=\"").Append(KeyId).Append("\" serial=").Append(Serial).ToString();
}
