using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

/// <summary>Reads and writes OpenSSH's <c>openssh-key-v1</c> private key format (PROTOCOL.key).</summary>
internal static class OpenSshKeyFile
{
    public const string BeginLine = "-----BEGIN OPENSSH PRIVATE KEY-----";
    public const string EndLine = "-----END OPENSSH PRIVATE KEY-----";

    /// <summary>Rounds beyond this would make loading a hostile file hang for hours.</summary>
    private const int MaxKdfRounds = 1 << 16;

    private static readonly byte[] AuthMagic = "openssh-key-v1\0"u8.ToArray();

    public static SshPrivateKey Parse(string text, string? passphrase, out string comment)
    {
        byte[] data = DecodeArmor(text);
        try
        {
            return ParseBinary(data, passphrase, out comment);
        }
        catch (SshConnectionException ex)
        {
            throw new FormatException("OpenSSH private key is malformed: " + ex.Message, ex);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException("OpenSSH private key is invalid: " + ex.Message, ex);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException("OpenSSH private key is invalid: " + ex.Message, ex);
        }
    }

    public static string Write(SshPrivateKey key, string comment)
    {
        const int blockSize = 8;
        using var inner = new SshWriter(1024);
        uint check = BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4));
        inner.WriteUInt32(check);
        inner.WriteUInt32(check);
        key.WritePrivateKey(inner);
        inner.WriteString(comment ?? "");
        for (byte pad = 1; inner.Length % blockSize != 0; pad++)
        {
            inner.WriteByte(pad);
        }

        using var w = new SshWriter(2048);
        w.WriteRaw(AuthMagic);
        w.WriteString("none");
        w.WriteString("none");
        w.WriteString("");
        w.WriteUInt32(1);
        w.WriteBinary(key.PublicKey.Blob.Span);
        w.WriteBinary(inner.WrittenSpan);
        CryptographicOperations.ZeroMemory(inner.WrittenSpan);

        string base64 = Convert.ToBase64String(w.WrittenSpan);
        CryptographicOperations.ZeroMemory(w.WrittenSpan);
        var sb = new StringBuilder();
        sb.Append(BeginLine).Append('\n');
        for (int i = 0; i < base64.Length; i += 70)
        {
            sb.Append(base64, i, Math.Min(70, base64.Length - i)).Append('\n');
        }

        sb.Append(EndLine).Append('\n');
        return sb.ToString();
    }

    private static byte[] DecodeArmor(string text)
    {
        int begin = text.IndexOf(BeginLine, StringComparison.Ordinal);
        // The END line is looked for after the whole BEGIN line: found anywhere else (overlapping
        // it, or before it) the body's bounds would be negative.
        int end = begin < 0 ? -1 : text.IndexOf(EndLine, begin + BeginLine.Length, StringComparison.Ordinal);
        if (begin < 0 || end < 0)
        {
            throw new FormatException("not an OpenSSH private key (missing BEGIN/END lines)");
        }

        string body = text[(begin + BeginLine.Length)..end];
        try
        {
            return Convert.FromBase64String(body);
        }
        catch (FormatException ex)
        {
            throw new FormatException("OpenSSH private key body is not valid base64", ex);
        }
    }

    private static SshPrivateKey ParseBinary(byte[] data, string? passphrase, out string comment)
    {
        if (!data.AsSpan().StartsWith(AuthMagic))
        {
            throw new FormatException("OpenSSH private key lacks the openssh-key-v1 magic");
        }

        var r = new SshReader(data.AsSpan(AuthMagic.Length));
        string cipherName = r.ReadString(64);

        // Checked first: AEAD ciphers append a tag after the last string, which would otherwise
        // surface as a confusing "trailing bytes" error.
        var cipher = CipherFor(cipherName);
        string kdfName = r.ReadString(64);
        var kdfOptions = r.ReadBinary();
        uint count = r.ReadUInt32();
        if (count != 1)
        {
            throw new FormatException($"OpenSSH private key files with {count} keys are not supported (exactly one expected)");
        }

        var publicBlob = r.ReadBinary();
        var encrypted = r.ReadBinary();
        r.EnsureEnd();

        byte[] plain;
        if (cipher is null)
        {
            if (kdfName != "none")
            {
                throw new FormatException($"unencrypted key with KDF '{kdfName}'");
            }

            plain = encrypted.ToArray();
        }
        else
        {
            if (kdfName != "bcrypt")
            {
                throw new FormatException($"unsupported key derivation '{kdfName}'");
            }

            if (passphrase is null)
            {
                throw new FormatException("the private key is encrypted: a passphrase is required");
            }

            var kr = new SshReader(kdfOptions);
            var salt = kr.ReadBinary();
            uint rounds = kr.ReadUInt32();
            kr.EnsureEnd();
            if (rounds < 1 || rounds > MaxKdfRounds || salt.Length == 0 || salt.Length > 1024)
            {
                throw new FormatException($"unreasonable bcrypt parameters (rounds {rounds}, salt {salt.Length} bytes)");
            }

            if (encrypted.Length == 0 || encrypted.Length % 16 != 0)
            {
                throw new FormatException("encrypted private key length is not a multiple of the cipher block size");
            }

            var keyAndIv = new byte[cipher.Value.KeyLength + 16];
            var passwordBytes = Encoding.UTF8.GetBytes(passphrase);
            try
            {
                BcryptPbkdf.Derive(passwordBytes, salt, (int)rounds, keyAndIv);
                plain = Decrypt(cipher.Value.Ctr, keyAndIv.AsSpan(0, cipher.Value.KeyLength), keyAndIv.AsSpan(cipher.Value.KeyLength), encrypted);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(keyAndIv);
                CryptographicOperations.ZeroMemory(passwordBytes);
            }
        }

        try
        {
            return ParsePrivateSection(plain, publicBlob, cipher is null ? 8 : 16, encryptedFile: cipher is not null, out comment);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static (int KeyLength, bool Ctr)? CipherFor(string name) => name switch
    {
        "none" => null,
        "aes256-ctr" => (32, true),
        "aes192-ctr" => (24, true),
        "aes128-ctr" => (16, true),
        "aes256-cbc" => (32, false),
        "aes192-cbc" => (24, false),
        "aes128-cbc" => (16, false),
        _ => throw new FormatException($"unsupported private key cipher '{name}'"),
    };

    private static byte[] Decrypt(bool ctr, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        if (!ctr)
        {
            return aes.DecryptCbc(input, iv, PaddingMode.None);
        }

        // The BCL has no CTR mode: encrypt the big-endian counter block with ECB and XOR.
        var output = new byte[input.Length];
        Span<byte> counter = stackalloc byte[16];
        Span<byte> keystream = stackalloc byte[16];
        iv.CopyTo(counter);
        for (int offset = 0; offset < input.Length; offset += 16)
        {
            aes.EncryptEcb(counter, keystream, PaddingMode.None);
            int n = Math.Min(16, input.Length - offset);
            for (int i = 0; i < n; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ keystream[i]);
            }

            for (int i = 15; i >= 0 && ++counter[i] == 0; i--)
            {
            }
        }

        CryptographicOperations.ZeroMemory(keystream);
        return output;
    }

    private static SshPrivateKey ParsePrivateSection(byte[] plain, ReadOnlySpan<byte> publicBlob, int blockSize, bool encryptedFile, out string comment)
    {
        if (plain.Length % blockSize != 0)
        {
            throw new FormatException("private key section is not padded to the cipher block size");
        }

        var r = new SshReader(plain);
        uint check1 = r.ReadUInt32();
        uint check2 = r.ReadUInt32();
        if (check1 != check2)
        {
            throw new FormatException(encryptedFile
                ? "incorrect passphrase (the decrypted check values differ)"
                : "private key is corrupt (check values differ)");
        }

        string keyType = r.ReadString(256);
        SshPrivateKey key = ReadPrivateKey(ref r, keyType);
        comment = r.ReadString();

        // Padding is 1, 2, 3, ... and shorter than a block; anything else means corruption.
        var padding = r.RemainingSpan;
        if (padding.Length >= blockSize)
        {
            key.Dispose();
            throw new FormatException("private key section has trailing data");
        }

        for (int i = 0; i < padding.Length; i++)
        {
            if (padding[i] != (byte)(i + 1))
            {
                key.Dispose();
                throw new FormatException("private key section has bad padding");
            }
        }

        if (!key.PublicKey.Blob.Span.SequenceEqual(publicBlob))
        {
            key.Dispose();
            throw new FormatException("the private key does not match the public key stored with it");
        }

        return key;
    }

    private static SshPrivateKey ReadPrivateKey(ref SshReader r, string keyType)
    {
        if (keyType == Ed25519PublicKey.Name)
        {
            var pk = r.ReadBinary();
            var sk = r.ReadBinary();
            if (pk.Length != 32 || sk.Length != 64 || !sk[32..].SequenceEqual(pk))
            {
                throw new FormatException("Ed25519 private key fields have the wrong size or disagree");
            }

            var key = new Ed25519PrivateKey(sk[..32]);
            if (!((Ed25519PublicKey)key.PublicKey).PublicKeyBytes.Span.SequenceEqual(pk))
            {
                key.Dispose();
                throw new FormatException("Ed25519 private key does not match its public key");
            }

            return key;
        }

        if (keyType == RsaPublicKey.Name)
        {
            int max = RsaPublicKey.MaximumModulusBits / 8;
            var n = SshKeyEncoding.ReadUnsignedMpint(ref r, max);
            var e = SshKeyEncoding.ReadUnsignedMpint(ref r, max);
            var d = SshKeyEncoding.ReadUnsignedMpint(ref r, max);
            var iqmp = SshKeyEncoding.ReadUnsignedMpint(ref r, max);
            var p = SshKeyEncoding.ReadUnsignedMpint(ref r, max);
            var q = SshKeyEncoding.ReadUnsignedMpint(ref r, max);
            if (n.IsEmpty || e.IsEmpty || d.IsEmpty || iqmp.IsEmpty || p.IsEmpty || q.IsEmpty)
            {
                throw new FormatException("RSA private key has a zero field");
            }

            var parameters = RsaPrivateKey.FromOpenSsh(n, e, d, iqmp, p, q);
            return WithSelfTest(new RsaPrivateKey(parameters), "rsa-sha2-256");
        }

        if (EcdsaCurveInfo.FromKeyType(keyType) is { } curve)
        {
            string identifier = r.ReadString(64);
            var q = r.ReadBinary();
            var d = SshKeyEncoding.ReadUnsignedMpint(ref r, curve.FieldBytes);
            if (identifier != curve.Identifier || q.Length != 1 + (2 * curve.FieldBytes) || q[0] != 4 || d.IsEmpty)
            {
                throw new FormatException("ECDSA private key fields are malformed");
            }

            var parameters = new ECParameters
            {
                Curve = curve.Curve,
                Q = new ECPoint { X = q.Slice(1, curve.FieldBytes).ToArray(), Y = q.Slice(1 + curve.FieldBytes).ToArray() },
                D = SshKeyEncoding.ToFixed(d, curve.FieldBytes),
            };
            try
            {
                return WithSelfTest(new EcdsaPrivateKey(parameters), curve.KeyType);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(parameters.D);
            }
        }

        throw new FormatException($"unsupported private key type '{keyType}'");
    }

    /// <summary>
    /// Signs and verifies a test message, so a private half that does not belong to the public
    /// half (a corrupted or tampered file) is caught at load, not at the first handshake.
    /// </summary>
    internal static SshPrivateKey WithSelfTest(SshPrivateKey key, string algorithm)
    {
        ReadOnlySpan<byte> probe = "wharf key self-test"u8;
        if (!key.PublicKey.Verify(algorithm, probe, key.Sign(algorithm, probe)))
        {
            key.Dispose();
            throw new FormatException("the private key does not match its public key");
        }

        return key;
    }
}
