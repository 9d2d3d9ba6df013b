using System.Globalization;
using System.Security.Cryptography;

namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// The PHC string form of Argon2 written by the reference implementation, the <c>argon2</c> CLI and SFTPGo:
/// <c>$argon2id$v=19$m=65536,t=1,p=2$&lt;salt&gt;$&lt;tag&gt;</c>, salt and tag in standard base64 without padding.
/// A missing <c>v=</c> means version 0x10.
/// </summary>
internal static class Argon2Phc
{
    // Limits on what a stored value may ask for, so that one configured hash cannot tie up the server.
    internal const int MaxMemoryKiB = 1024 * 1024;
    internal const int MaxIterations = 10;
    internal const int MaxParallelism = 16;
    private const int MinSalt = 8, MaxSalt = 256;
    private const int MinTag = 4, MaxTag = 256;

    /// <summary>Parsed form of a stored value.</summary>
    internal sealed record Parsed(Argon2Type Type, int Version, int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Tag);

    internal static string Format(Argon2Type type, int memoryKiB, int iterations, int parallelism, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> tag) =>
        string.Create(CultureInfo.InvariantCulture,
            $"${TypeName(type)}$v={Argon2.Version13}$m={memoryKiB},t={iterations},p={parallelism}${ToB64(salt)}${ToB64(tag)}");

    private static string TypeName(Argon2Type type) => type switch
    {
        Argon2Type.Argon2d => "argon2d",
        Argon2Type.Argon2i => "argon2i",
        _ => "argon2id",
    };

    private static string ToB64(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    /// <summary>Parses and bounds-checks a stored value; null when it is malformed or out of bounds.</summary>
    internal static Parsed? TryParse(string stored)
    {
        string[] parts = stored.Split('$');
        if (parts.Length is not (5 or 6) || parts[0].Length != 0) return null;
        Argon2Type type;
        switch (parts[1])
        {
            case "argon2id": type = Argon2Type.Argon2id; break;
            case "argon2i": type = Argon2Type.Argon2i; break;
            case "argon2d": type = Argon2Type.Argon2d; break;
            default: return null;
        }

        int next = 2;
        int version = Argon2.Version10;
        if (parts.Length == 6)
        {
            if (!parts[2].StartsWith("v=", StringComparison.Ordinal) || !TryNumber(parts[2].AsSpan(2), out version)) return null;
            if (version != Argon2.Version13 && version != Argon2.Version10) return null;
            next = 3;
        }

        // The reference decoder insists on m, t, p in this order; so do we.
        string[] kv = parts[next].Split(',');
        if (kv.Length != 3
            || !kv[0].StartsWith("m=", StringComparison.Ordinal) || !TryNumber(kv[0].AsSpan(2), out int m)
            || !kv[1].StartsWith("t=", StringComparison.Ordinal) || !TryNumber(kv[1].AsSpan(2), out int t)
            || !kv[2].StartsWith("p=", StringComparison.Ordinal) || !TryNumber(kv[2].AsSpan(2), out int p))
        {
            return null;
        }
        if (p < 1 || p > MaxParallelism || t < 1 || t > MaxIterations || m < 8 * p || m > MaxMemoryKiB) return null;

        byte[]? salt = FromB64(parts[next + 1]);
        byte[]? tag = FromB64(parts[next + 2]);
        if (salt is null || tag is null || salt.Length < MinSalt || salt.Length > MaxSalt || tag.Length < MinTag || tag.Length > MaxTag) return null;
        return new Parsed(type, version, m, t, p, salt, tag);
    }

    internal static bool Verify(byte[] password, Parsed parsed)
    {
        byte[] tag = Argon2.Hash(parsed.Type, password, parsed.Salt, default, default,
            parsed.MemoryKiB, parsed.Iterations, parsed.Parallelism, parsed.Tag.Length, parsed.Version);
        bool ok = CryptographicOperations.FixedTimeEquals(tag, parsed.Tag);
        CryptographicOperations.ZeroMemory(tag);
        return ok;
    }

    private static bool TryNumber(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        if (s.Length is 0 or > 10 || (s.Length > 1 && s[0] == '0')) return false;
        foreach (char c in s) if (c < '0' || c > '9') return false;
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Strict unpadded standard base64 (Convert alone would accept whitespace and padding).</summary>
    internal static byte[]? FromB64(string s)
    {
        if (s.Length % 4 == 1) return null;
        foreach (char c in s)
        {
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) return null;
        }
        string padded = s + new string('=', (4 - s.Length % 4) % 4);
        var buffer = new byte[padded.Length / 4 * 3];
        return Convert.TryFromBase64String(padded, buffer, out int written) ? buffer[..written] : null;
    }
}
