using System.Security.Cryptography;

namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// Verification of OpenBSD bcrypt strings (<c>$2a$</c>, <c>$2b$</c>, <c>$2y$</c>: the same algorithm for passwords
/// shorter than 255 bytes) as Go's crypto/bcrypt and htpasswd write them. The raw EksBlowfish output comes from
/// BouncyCastle; parsing, the password bytes and the constant-time comparison are ours.
/// </summary>
internal static class Bcrypt
{
    private const string Alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const int MinCost = 4;

    /// <summary>2^cost rounds: cost 16 is already seconds per attempt, anything above would be a DoS lever.</summary>
    internal const int MaxCost = 16;

    /// <summary>Parsed form of a stored value.</summary>
    internal sealed record Parsed(int Cost, byte[] Salt, byte[] Hash);

    /// <summary>Parses <c>$2x$NN$</c> + 22 salt characters + 31 hash characters; null when malformed or too costly.</summary>
    internal static Parsed? TryParse(string stored)
    {
        if (stored.Length != 60 || stored[0] != '$' || stored[1] != '2' || stored[2] is not ('a' or 'b' or 'y')
            || stored[3] != '$' || stored[6] != '$' || !char.IsAsciiDigit(stored[4]) || !char.IsAsciiDigit(stored[5]))
        {
            return null;
        }
        int cost = (stored[4] - '0') * 10 + (stored[5] - '0');
        if (cost < MinCost || cost > MaxCost) return null;
        byte[]? salt = Decode(stored.AsSpan(7, 22), 16);
        byte[]? hash = Decode(stored.AsSpan(29, 31), 23);
        return salt is null || hash is null ? null : new Parsed(cost, salt, hash);
    }

    internal static bool Verify(byte[] passwordUtf8, Parsed parsed)
    {
        // OpenBSD keys Blowfish with the NUL-terminated password, of which only the first 72 bytes count.
        var key = new byte[Math.Min(passwordUtf8.Length + 1, 72)];
        passwordUtf8.AsSpan(0, Math.Min(passwordUtf8.Length, key.Length)).CopyTo(key);
        // The key above already carries the terminator (and the 72-byte cut), so BouncyCastle must not add one.
        byte[] raw = Org.BouncyCastle.Crypto.Generators.BCrypt.Generate(key, parsed.Salt, parsed.Cost, addTerminator: false);
        bool ok = CryptographicOperations.FixedTimeEquals(raw.AsSpan(0, 23), parsed.Hash);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(raw);
        return ok;
    }

    /// <summary>bcrypt's base64: its own alphabet, most significant bits first, no padding.</summary>
    private static byte[]? Decode(ReadOnlySpan<char> text, int length)
    {
        var result = new byte[length];
        int bits = 0, acc = 0, n = 0;
        foreach (char c in text)
        {
            int v = Alphabet.IndexOf(c);
            if (v < 0) return null;
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                if (n < length) result[n++] = (byte)(acc >> bits);
                acc &= (1 << bits) - 1;
            }
        }
        return n == length ? result : null;
    }
}
