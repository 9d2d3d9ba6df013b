using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// sha256crypt (<c>$5$</c>) and sha512crypt (<c>$6$</c>) from Ulrich Drepper's "Unix crypt using SHA-256 and
/// SHA-512" specification: optional <c>rounds=N$</c> (default 5000, clamped to [1000, 999999999]), salt of at most
/// 16 characters, then 43 or 86 characters of crypt base64.
/// </summary>
internal static class ShaCrypt
{
    internal const int DefaultRounds = 5000;
    private const int MinRounds = 1000;
    private const int MaxRoundsSpec = 999_999_999;
    private const int MaxSalt = 16;
    private const string RoundsPrefix = "rounds=";

    /// <summary>Rounds refused when verifying: a stored value must not cost minutes of CPU per login attempt.</summary>
    internal const int MaxVerifyRounds = 10_000_000;

    // Byte order of the final encoding (the spec's permutation), as (b2, b1, b0) triples.
    private static readonly byte[] Order256 =
    [
        0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14,
        15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29,
    ];

    private static readonly byte[] Order512 =
    [
        0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7,
        50, 8, 29, 9, 30, 51, 31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57,
        37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41,
    ];

    /// <summary>Parsed form of a stored value.</summary>
    internal readonly record struct Parsed(bool Sha512, int Rounds, bool CustomRounds, string Salt, string Hash);

    /// <summary>Splits a stored <c>$5$</c>/<c>$6$</c> value; false when it is not well formed.</summary>
    internal static bool TryParse(string stored, out Parsed parsed)
    {
        parsed = default;
        bool sha512;
        if (stored.StartsWith("$5$", StringComparison.Ordinal)) sha512 = false;
        else if (stored.StartsWith("$6$", StringComparison.Ordinal)) sha512 = true;
        else return false;

        ReadOnlySpan<char> rest = stored.AsSpan(3);
        int rounds = DefaultRounds;
        bool custom = false;
        if (rest.StartsWith(RoundsPrefix, StringComparison.Ordinal))
        {
            int end = rest.IndexOf('$');
            if (end < 0) return false;
            var digits = rest[RoundsPrefix.Length..end];
            if (digits.Length == 0 || digits.Length > 10 || !IsDigits(digits)) return false;
            long n = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            rounds = (int)Math.Clamp(n, MinRounds, MaxRoundsSpec);
            custom = true;
            rest = rest[(end + 1)..];
        }

        int dollar = rest.IndexOf('$');
        if (dollar < 0 || dollar > MaxSalt) return false;
        var salt = rest[..dollar];
        var hash = rest[(dollar + 1)..];
        if (hash.Length != (sha512 ? 86 : 43) || !CryptBase64.IsAlphabet(hash)) return false;
        parsed = new Parsed(sha512, rounds, custom, salt.ToString(), hash.ToString());
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s) if (c < '0' || c > '9') return false;
        return true;
    }

    /// <summary>
    /// The full crypt string; <paramref name="rounds"/> null means the default and no <c>rounds=</c> field.
    /// The salt is cut at 16 characters or the first '$'.
    /// </summary>
    internal static string Crypt(bool sha512, byte[] key, string saltText, int? rounds)
    {
        int end = saltText.IndexOf('$');
        if (end >= 0) saltText = saltText[..end];
        if (saltText.Length > MaxSalt) saltText = saltText[..MaxSalt];
        byte[] salt = Encoding.UTF8.GetBytes(saltText);
        int n = rounds is null ? DefaultRounds : Math.Clamp(rounds.Value, MinRounds, MaxRoundsSpec);
        var algorithm = sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        int size = sha512 ? 64 : 32;

        using var ctx = IncrementalHash.CreateHash(algorithm);

        // B = H(key salt key)
        ctx.AppendData(key);
        ctx.AppendData(salt);
        ctx.AppendData(key);
        byte[] b = ctx.GetHashAndReset();

        // A = H(key salt B-repeated-to-key-length, then B or key per bit of the key length)
        ctx.AppendData(key);
        ctx.AppendData(salt);
        int left = key.Length;
        for (; left > size; left -= size) ctx.AppendData(b);
        ctx.AppendData(b, 0, left);
        for (int i = key.Length; i > 0; i >>= 1)
        {
            if ((i & 1) != 0) ctx.AppendData(b); else ctx.AppendData(key);
        }
        byte[] a = ctx.GetHashAndReset();

        // P: H(key repeated key-length times), stretched to the key length.
        for (int i = 0; i < key.Length; i++) ctx.AppendData(key);
        byte[] p = Stretch(ctx.GetHashAndReset(), key.Length);

        // S: H(salt repeated 16 + A[0] times), stretched to the salt length.
        for (int i = 0; i < 16 + a[0]; i++) ctx.AppendData(salt);
        byte[] s = Stretch(ctx.GetHashAndReset(), salt.Length);

        byte[] c = a;
        for (int r = 0; r < n; r++)
        {
            if ((r & 1) != 0) ctx.AppendData(p); else ctx.AppendData(c);
            if (r % 3 != 0) ctx.AppendData(s);
            if (r % 7 != 0) ctx.AppendData(p);
            if ((r & 1) != 0) ctx.AppendData(c); else ctx.AppendData(p);
            c = ctx.GetHashAndReset();
        }

        var sb = new StringBuilder(3 + 18 + saltText.Length + 1 + 86);
        sb.Append(sha512 ? "$6$" : "$5$");
        if (rounds is not null) sb.Append(RoundsPrefix).Append(n.ToString(CultureInfo.InvariantCulture)).Append('$');
        sb.Append(saltText).Append('$');
        byte[] order = sha512 ? Order512 : Order256;
        for (int i = 0; i < order.Length; i += 3) CryptBase64.Append24(sb, c[order[i]], c[order[i + 1]], c[order[i + 2]], 4);
        if (sha512) CryptBase64.Append24(sb, 0, 0, c[63], 2);
        else CryptBase64.Append24(sb, 0, c[31], c[30], 3);

        CryptographicOperations.ZeroMemory(b);
        CryptographicOperations.ZeroMemory(a);
        CryptographicOperations.ZeroMemory(p);
        CryptographicOperations.ZeroMemory(s);
        CryptographicOperations.ZeroMemory(c);
        return sb.ToString();
    }

    private static byte[] Stretch(byte[] digest, int length)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i += digest.Length) digest.AsSpan(0, Math.Min(digest.Length, length - i)).CopyTo(result.AsSpan(i));
        CryptographicOperations.ZeroMemory(digest);
        return result;
    }
}
