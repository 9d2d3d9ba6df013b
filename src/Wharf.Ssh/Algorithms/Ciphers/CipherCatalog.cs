using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace Wharf.Ssh.Algorithms;

/// <summary>
/// The ciphers Wharf implements. <see cref="All"/> is in default preference order: the AEAD
/// ciphers first (no separate MAC, length protected or authenticated), chacha20-poly1305 ahead
/// of AES-GCM as OpenSSH orders them, then AES-CTR for peers that lack both.
/// </summary>
public static class CipherCatalog
{
    private static readonly ReadOnlyCollection<CipherInfo> Ciphers = Array.AsReadOnly(
    [
        new CipherInfo("chacha20-poly1305@openssh.com", 64, 0, 8, true),
        new CipherInfo("aes128-gcm@openssh.com", 16, 12, 16, true),
        new CipherInfo("aes256-gcm@openssh.com", 32, 12, 16, true),
        new CipherInfo("aes128-ctr", 16, 16, 16, false),
        new CipherInfo("aes192-ctr", 24, 16, 16, false),
        new CipherInfo("aes256-ctr", 32, 16, 16, false),
    ]);

    /// <summary>Every supported cipher, most preferred first.</summary>
    public static IReadOnlyList<CipherInfo> All => Ciphers;

    /// <summary>Looks a cipher up by its exact (case-sensitive) wire name.</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out CipherInfo? info)
    {
        foreach (var c in Ciphers)
        {
            if (string.Equals(c.Name, name, StringComparison.Ordinal))
            {
                info = c;
                return true;
            }
        }

        info = null;
        return false;
    }
}
