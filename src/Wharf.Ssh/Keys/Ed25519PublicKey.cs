using Wharf.Ssh.IO;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032;

namespace Wharf.Ssh.Keys;

/// <summary>An <c>ssh-ed25519</c> public key (RFC 8709).</summary>
public sealed class Ed25519PublicKey : SshPublicKey
{
    /// <summary>The key type name.</summary>
    public const string Name = "ssh-ed25519";

    private static readonly string[] Algorithms = [Name];

    // The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian, as RFC 8032 encodes S.
    private static readonly byte[] GroupOrderLittleEndian =
    [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ];

    private readonly byte[] _publicKey;
    private readonly byte[] _blob;

    /// <summary>Wraps the 32-byte encoded public key A.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public Ed25519PublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != Rfc8032.Ed25519.PublicKeySize)
        {
            throw new ArgumentException($"an Ed25519 public key is 32 bytes, not {publicKey.Length}", nameof(publicKey));
        }

        _publicKey = publicKey.ToArray();
        using var w = new SshWriter(64);
        w.WriteString(Name);
        w.WriteBinary(_publicKey);
        _blob = w.ToArray();
    }

    /// <summary>The 32-byte encoded public key A.</summary>
    public ReadOnlyMemory<byte> PublicKeyBytes => _publicKey;

    /// <inheritdoc/>
    public override string KeyType => Name;

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> Blob => _blob;

    /// <inheritdoc/>
    public override int KeySizeBits => 256;

    /// <inheritdoc/>
    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    /// <inheritdoc/>
    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signatureAlgorithm != Name || signature.Length != Rfc8032.Ed25519.SignatureSize)
        {
            return false;
        }

        // Checked here as well as inside BouncyCastle: a malleable S would let an attacker
        // produce a second valid signature for the same message.
        if (!IsCanonicalScalar(signature[32..]))
        {
            return false;
        }

        return Rfc8032.Ed25519.Verify(signature.ToArray(), 0, _publicKey, 0, data.ToArray(), 0, data.Length);
    }

    /// <summary>True when the little-endian scalar is below the group order L (RFC 8032 §5.1.7 step 1).</summary>
    internal static bool IsCanonicalScalar(ReadOnlySpan<byte> s)
    {
        for (int i = 31; i >= 0; i--)
        {
            if (s[i] != GroupOrderLittleEndian[i])
            {
                return s[i] < GroupOrderLittleEndian[i];
            }
        }

        return false;
    }
}
