using System.Security.Cryptography;
using Wharf.Ssh.IO;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032;

namespace Wharf.Ssh.Keys;

/// <summary>An Ed25519 private key (RFC 8032), held as its 32-byte seed.</summary>
public sealed class Ed25519PrivateKey : SshPrivateKey
{
    private readonly byte[] _seed;
    private readonly byte[] _publicKeyBytes;

    /// <summary>Creates the key from its 32-byte seed (RFC 8032's private key k).</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public Ed25519PrivateKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Rfc8032.Ed25519.SecretKeySize)
        {
            throw new ArgumentException($"an Ed25519 seed is 32 bytes, not {seed.Length}", nameof(seed));
        }

        _seed = seed.ToArray();
        _publicKeyBytes = new byte[Rfc8032.Ed25519.PublicKeySize];
        Rfc8032.Ed25519.GeneratePublicKey(_seed, 0, _publicKeyBytes, 0);
        PublicKey = new Ed25519PublicKey(_publicKeyBytes);
    }

    /// <summary>Generates a new key from the system CSPRNG.</summary>
    public static Ed25519PrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[Rfc8032.Ed25519.SecretKeySize];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return new Ed25519PrivateKey(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey { get; }

    /// <inheritdoc/>
    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        if (signatureAlgorithm != Ed25519PublicKey.Name)
        {
            throw new ArgumentException($"an Ed25519 key cannot sign with '{signatureAlgorithm}'", nameof(signatureAlgorithm));
        }

        var signature = new byte[Rfc8032.Ed25519.SignatureSize];
        Rfc8032.Ed25519.Sign(_seed, 0, _publicKeyBytes, 0, data.ToArray(), 0, data.Length, signature, 0);
        return signature;
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(_seed);
        base.Dispose();
    }

    private protected override void WritePrivateFields(SshWriter w)
    {
        w.WriteBinary(_publicKeyBytes);

        // OpenSSH stores the 64-byte "secret key" as seed || public key.
        var secret = new byte[64];
        _seed.CopyTo(secret, 0);
        _publicKeyBytes.CopyTo(secret, 32);
        w.WriteBinary(secret);
        CryptographicOperations.ZeroMemory(secret);
    }
}
