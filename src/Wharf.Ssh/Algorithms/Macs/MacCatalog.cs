using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace Wharf.Ssh.Algorithms;

/// <summary>
/// The MACs Wharf implements, used only with non-AEAD ciphers. <see cref="All"/> is in default
/// preference order: encrypt-then-MAC first (nothing is decrypted before it is authenticated),
/// SHA-1 last; the transport leaves the SHA-1 ones out of its default offer.
/// </summary>
public static class MacCatalog
{
    private static readonly ReadOnlyCollection<MacInfo> Macs = Array.AsReadOnly(
    [
        new MacInfo("hmac-sha2-256-etm@openssh.com", 32, 32, true),
        new MacInfo("hmac-sha2-512-etm@openssh.com", 64, 64, true),
        new MacInfo("hmac-sha2-256", 32, 32, false),
        new MacInfo("hmac-sha2-512", 64, 64, false),
        new MacInfo("hmac-sha1-etm@openssh.com", 20, 20, true),
        new MacInfo("hmac-sha1", 20, 20, false),
    ]);

    /// <summary>Every supported MAC, most preferred first.</summary>
    public static IReadOnlyList<MacInfo> All => Macs;

    /// <summary>Looks a MAC up by its exact (case-sensitive) wire name.</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out MacInfo? info)
    {
        foreach (var m in Macs)
        {
            if (string.Equals(m.Name, name, StringComparison.Ordinal))
            {
                info = m;
                return true;
            }
        }

        info = null;
        return false;
    }
}
