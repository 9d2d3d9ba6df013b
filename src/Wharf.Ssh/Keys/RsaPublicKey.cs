using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

/// <summary>An <c>ssh-rsa</c> public key, verifying rsa-sha2-512, rsa-sha2-256 (RFC 8332) and ssh-rsa (SHA-1).</summary>
public sealed class RsaPublicKey : SshPublicKey
{
    /// <summary>The key type name.</summary>
    public const string Name = "ssh-rsa";

    /// <summary>Smallest modulus accepted at all; policy (e.g. 2048 for user keys) is the caller's, via <see cref="KeySizeBits"/>.</summary>
    public const int MinimumModulusBits = 1024;

    /// <summary>Largest modulus accepted, bounding the cost a peer can impose per verification.</summary>
    public const int MaximumModulusBits = 16384;

    private static readonly string[] Algorithms = ["rsa-sha2-512", "rsa-sha2-256", Name];

    private readonly byte[] _exponent;
    private readonly byte[] _modulus;
    private readonly byte[] _blob;

    /// <summary>Wraps exponent and modulus given as unsigned big-endian numbers.</summary>
    /// <exception cref="ArgumentException">The modulus is outside the accepted size range or the exponent is not an odd number ≥ 3.</exception>
    public RsaPublicKey(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
    {
        _exponent = Trim(exponent).ToArray();
        _modulus = Trim(modulus).ToArray();
        int bits = BitLength(_modulus);
        if (bits < MinimumModulusBits || bits > MaximumModulusBits)
        {
            throw new ArgumentException($"RSA modulus of {bits} bits is outside {MinimumModulusBits}..{MaximumModulusBits}");
        }

        if ((_modulus[^1] & 1) == 0)
        {
            throw new ArgumentException("RSA modulus is even");
        }

        if (_exponent.Length == 0 || _exponent.Length > _modulus.Length || (_exponent[^1] & 1) == 0
            || (_exponent.Length == 1 && _exponent[0] < 3))
        {
            throw new ArgumentException("RSA exponent must be odd, at least 3 and smaller than the modulus");
        }

        KeySizeBits = bits;
        using var w = new SshWriter(32 + _modulus.Length);
        w.WriteString(Name);
        w.WriteMpintFromUnsigned(_exponent);
        w.WriteMpintFromUnsigned(_modulus);
        _blob = w.ToArray();
    }

    /// <summary>The public exponent e, unsigned big-endian without leading zeros.</summary>
    public ReadOnlyMemory<byte> Exponent => _exponent;

    /// <summary>The modulus n, unsigned big-endian without leading zeros.</summary>
    public ReadOnlyMemory<byte> Modulus => _modulus;

    /// <inheritdoc/>
    public override string KeyType => Name;

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Blob => _blob;

    /// <inheritdoc/>
    public override int KeySizeBits { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    /// <summary>The hash an RSA signature algorithm name stands for, or null for a name that is not an RSA algorithm.</summary>
    internal static HashAlgorithmName? HashFor(string signatureAlgorithm) => signatureAlgorithm switch
    {
        "rsa-sha2-512" => HashAlgorithmName.SHA512,
        "rsa-sha2-256" => HashAlgorithmName.SHA256,
        "ssh-rsa" => HashAlgorithmName.SHA1,
        _ => null,
    };

    /// <summary>The key as BCL parameters.</summary>
    public RSAParameters ExportParameters() => new() { Exponent = _exponent.ToArray(), Modulus = _modulus.ToArray() };

    /// <inheritdoc/>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (HashFor(signatureAlgorithm) is not { } hash)
        {
            return false;
        }

        // OpenSSH accepts signatures whose leading zero bytes were dropped, so pad them back;
        // anything longer than the modulus is simply wrong.
        if (signature.Length > _modulus.Length || signature.IsEmpty)
        {
            return false;
        }

        var padded = new byte[_modulus.Length];
        signature.CopyTo(padded.AsSpan(_modulus.Length - signature.Length));

        // The DigestInfo inside PKCS#1 v1.5 names the hash, so a signature made with one hash
        // cannot verify under another algorithm name.
        using var rsa = RSA.Create(ExportParameters());
        return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1);
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value)
    {
        int i = 0;
        while (i < value.Length && value[i] == 0)
        {
            i++;
        }

        return value[i..];
    }

    private static int BitLength(ReadOnlySpan<byte> trimmed) =>
        trimmed.IsEmpty ? 0 : ((trimmed.Length - 1) * 8) + (32 - System.Numerics.BitOperations.LeadingZeroCount(trimmed[0]));
}
