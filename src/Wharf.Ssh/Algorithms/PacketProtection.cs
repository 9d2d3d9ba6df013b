using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.Ciphers;
using Wharf.Ssh.Algorithms.Macs;

namespace Wharf.Ssh.Algorithms;

/// <summary>
/// Builds the per-direction packet protection for a negotiated cipher and MAC from the keys the
/// key exchange derived (RFC 4253 §7.2). The instances copy what they need, so the caller may
/// wipe its key buffers as soon as this returns.
/// </summary>
public static class PacketProtection
{
    /// <summary>
    /// Creates the protection for outgoing packets.
    /// </summary>
    /// <param name="cipher">A cipher from <see cref="CipherCatalog"/>.</param>
    /// <param name="key">Exactly <see cref="CipherInfo.KeySize"/> bytes.</param>
    /// <param name="iv">Exactly <see cref="CipherInfo.IvSize"/> bytes.</param>
    /// <param name="mac">A MAC from <see cref="MacCatalog"/>; null (and ignored) for AEAD ciphers.</param>
    /// <param name="macKey">Exactly <see cref="MacInfo.KeySize"/> bytes; empty for AEAD ciphers.</param>
    /// <exception cref="ArgumentException">Unknown algorithm, missing MAC, or wrong key/IV size.</exception>
    public static PacketEncryptor CreateEncryptor(CipherInfo cipher, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacInfo? mac, ReadOnlySpan<byte> macKey)
    {
        var known = Validate(cipher, key, iv);
        switch (known.Name)
        {
            case "chacha20-poly1305@openssh.com":
                return new ChaCha20Poly1305Encryptor(key);
            case "aes128-gcm@openssh.com":
            case "aes256-gcm@openssh.com":
                return new AesGcmEncryptor(key, iv);
        }

        var hmac = CreateMac(mac, macKey);
        try
        {
            return new AesCtrEncryptor(new AesCtrKeystream(key, iv), hmac, mac!.EncryptThenMac);
        }
        catch
        {
            hmac.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates the protection for incoming packets. Arguments as for <see cref="CreateEncryptor"/>.
    /// </summary>
    /// <param name="cipher">A cipher from <see cref="CipherCatalog"/>.</param>
    /// <param name="key">Exactly <see cref="CipherInfo.KeySize"/> bytes.</param>
    /// <param name="iv">Exactly <see cref="CipherInfo.IvSize"/> bytes.</param>
    /// <param name="mac">A MAC from <see cref="MacCatalog"/>; null (and ignored) for AEAD ciphers.</param>
    /// <param name="macKey">Exactly <see cref="MacInfo.KeySize"/> bytes; empty for AEAD ciphers.</param>
    /// <exception cref="ArgumentException">Unknown algorithm, missing MAC, or wrong key/IV size.</exception>
    public static PacketDecryptor CreateDecryptor(CipherInfo cipher, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacInfo? mac, ReadOnlySpan<byte> macKey)
    {
        var known = Validate(cipher, key, iv);
        switch (known.Name)
        {
            case "chacha20-poly1305@openssh.com":
                return new ChaCha20Poly1305Decryptor(key);
            case "aes128-gcm@openssh.com":
            case "aes256-gcm@openssh.com":
                return new AesGcmDecryptor(key, iv);
        }

        var hmac = CreateMac(mac, macKey);
        try
        {
            return new AesCtrDecryptor(new AesCtrKeystream(key, iv), hmac, mac!.EncryptThenMac);
        }
        catch
        {
            hmac.Dispose();
            throw;
        }
    }

    private static CipherInfo Validate(CipherInfo cipher, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(cipher);
        // Sizes come from the catalog entry, not the caller's record, so a hand-made CipherInfo
        // with the right name cannot change how much key material is used.
        if (!CipherCatalog.TryGet(cipher.Name, out var known) || known != cipher)
        {
            throw new ArgumentException($"unsupported cipher {cipher.Name}", nameof(cipher));
        }

        if (key.Length != known.KeySize)
        {
            throw new ArgumentException($"{known.Name} takes {known.KeySize} bytes of key, not {key.Length}", nameof(key));
        }

        if (iv.Length != known.IvSize)
        {
            throw new ArgumentException($"{known.Name} takes {known.IvSize} bytes of IV, not {iv.Length}", nameof(iv));
        }

        return known;
    }

    private static SshHmac CreateMac(MacInfo? mac, ReadOnlySpan<byte> macKey)
    {
        if (mac is null)
        {
            throw new ArgumentException("a non-AEAD cipher needs a MAC", nameof(mac));
        }

        if (!MacCatalog.TryGet(mac.Name, out var known) || known != mac)
        {
            throw new ArgumentException($"unsupported MAC {mac.Name}", nameof(mac));
        }

        if (macKey.Length != known.KeySize)
        {
            throw new ArgumentException($"{known.Name} takes {known.KeySize} bytes of key, not {macKey.Length}", nameof(macKey));
        }

        var hash = known.Name switch
        {
            "hmac-sha2-256-etm@openssh.com" or "hmac-sha2-256" => HashAlgorithmName.SHA256,
            "hmac-sha2-512-etm@openssh.com" or "hmac-sha2-512" => HashAlgorithmName.SHA512,
            "hmac-sha1-etm@openssh.com" or "hmac-sha1" => HashAlgorithmName.SHA1,
            _ => throw new ArgumentException($"unsupported MAC {known.Name}", nameof(mac)),
        };
        return new SshHmac(hash, macKey, known.DigestSize);
    }
}
