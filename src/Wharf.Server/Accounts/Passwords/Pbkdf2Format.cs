using System.Security.Cryptography;
using System.Text;

namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// SFTPGo's PBKDF2 format <c>$pbkdf2-sha1|sha256|sha512$&lt;iterations&gt;$&lt;salt&gt;$&lt;base64 hash&gt;</c>:
/// the salt is used as the UTF-8 bytes of the text between the dollars (not decoded), the hash is standard
/// padded base64 and its length is the derived key length.
/// </summary>
internal static class Pbkdf2Format
{
    /// <summary>Upper bound on iterations a stored value may ask for.</summary>
    internal const int MaxIterations = 10_000_000;
    private const int MaxKeyLength = 512;

    /// <summary>Parsed form of a stored value.</summary>
    internal sealed record Parsed(HashAlgorithmName Algorithm, int Iterations, byte[] Salt, byte[] Hash);

    internal static Parsed? TryParse(string stored)
    {
        string[] parts = stored.Split('$');
        if (parts.Length != 5 || parts[0].Length != 0) return null;
        HashAlgorithmName algorithm;
        switch (parts[1])
        {
            case "pbkdf2-sha1": algorithm = HashAlgorithmName.SHA1; break;
            case "pbkdf2-sha256": algorithm = HashAlgorithmName.SHA256; break;
            case "pbkdf2-sha512": algorithm = HashAlgorithmName.SHA512; break;
            default: return null;
        }
        string it = parts[2];
        if (it.Length is 0 or > 8 || it[0] == '0') return null;
        foreach (char c in it) if (!char.IsAsciiDigit(c)) return null;
        int iterations = int.Parse(it, System.Globalization.CultureInfo.InvariantCulture);
        if (iterations > MaxIterations) return null;
        if (parts[3].Length == 0) return null;

        string h = parts[4];
        if (h.Length == 0 || h.Length % 4 != 0) return null;
        foreach (char c in h)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/' || c == '=')) return null;
        }
        var hash = new byte[h.Length / 4 * 3];
        if (!Convert.TryFromBase64String(h, hash, out int written) || written == 0 || written > MaxKeyLength) return null;
        return new Parsed(algorithm, iterations, Encoding.UTF8.GetBytes(parts[3]), hash[..written]);
    }

    internal static bool Verify(byte[] password, Parsed parsed)
    {
        byte[] derived = Rfc2898DeriveBytes.Pbkdf2(password, parsed.Salt, parsed.Iterations, parsed.Algorithm, parsed.Hash.Length);
        bool ok = CryptographicOperations.FixedTimeEquals(derived, parsed.Hash);
        CryptographicOperations.ZeroMemory(derived);
        return ok;
    }
}
