using System.Security.Cryptography;
using System.Text;

namespace Wharf.Server.Accounts.Passwords;

public static partial class PasswordHasher
{
    // OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane) rather than Go's/SFTPGo's 64 MiB, 1 pass, 2 lanes:
    // equivalent strength by OWASP's table, but a third of the memory per concurrent login attempt, and a single
    // lane keeps one verification on one core of a shared server. Verify accepts any parameters within bounds.
    internal const int DefaultMemoryKiB = 19456;
    internal const int DefaultIterations = 2;
    internal const int DefaultParallelism = 1;
    internal const int SaltLength = 16;
    internal const int TagLength = 32;

    /// <summary>
    /// An argon2id hash of a random password with the default parameters: verifying against it costs what a real
    /// verification costs. A constant, so the first unknown user does not pay an extra hash.
    /// </summary>
    internal const string DummyHash = "$argon2id$v=19$m=19456,t=2,p=1$OGEyZGMyYWZjNTkxZmFmNw$eF++3S3fTkBlQi3UQXXy/mOVyiBomDVgQCiVOaNVhqQ";

    public static partial bool IsHashed(string value)
    {
        if (string.IsNullOrEmpty(value) || value[0] != '$') return false;
        try
        {
            return Parse(value) is not null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            return false;
        }
    }

    public static partial string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltLength);
        byte[] pw = Encoding.UTF8.GetBytes(password);
        try
        {
            byte[] tag = Argon2.Hash(Argon2Type.Argon2id, pw, salt, default, default,
                DefaultMemoryKiB, DefaultIterations, DefaultParallelism, TagLength);
            return Argon2Phc.Format(Argon2Type.Argon2id, DefaultMemoryKiB, DefaultIterations, DefaultParallelism, salt, tag);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pw);
        }
    }

    public static partial bool Verify(string password, string stored)
    {
        if (password is null || string.IsNullOrEmpty(stored) || stored[0] != '$') return false;
        byte[] pw = Encoding.UTF8.GetBytes(password);
        try
        {
            return Parse(stored) switch
            {
                Argon2Phc.Parsed a => Argon2Phc.Verify(pw, a),
                Bcrypt.Parsed b => Bcrypt.Verify(pw, b),
                Pbkdf2Format.Parsed p => Pbkdf2Format.Verify(pw, p),
                Md5Parsed m => CompareCryptTail(Md5Crypt.Crypt(pw, m.Salt), m.Hash),
                ShaCrypt.Parsed s => CompareCryptTail(ShaCrypt.Crypt(s.Sha512, pw, s.Salt, s.CustomRounds ? s.Rounds : null), s.Hash),
                _ => false,
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or CryptographicException)
        {
            // A stored value that passed parsing but still upsets a primitive is treated as a mismatch.
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pw);
        }
    }

    public static partial void VerifyDummy(string password) => _ = Verify(password ?? "", DummyHash);

    private sealed record Md5Parsed(string Salt, string Hash);

    /// <summary>The parsed stored value of a supported, well-formed and bounded format, or null.</summary>
    private static object? Parse(string stored)
    {
        if (stored.StartsWith("$argon2", StringComparison.Ordinal)) return Argon2Phc.TryParse(stored);
        if (stored.StartsWith("$2", StringComparison.Ordinal)) return Bcrypt.TryParse(stored);
        if (stored.StartsWith("$pbkdf2-", StringComparison.Ordinal)) return Pbkdf2Format.TryParse(stored);
        if (stored.StartsWith("$1$", StringComparison.Ordinal))
        {
            return Md5Crypt.TryParse(stored, out string salt, out string hash) ? new Md5Parsed(salt, hash) : null;
        }
        if (stored.StartsWith("$5$", StringComparison.Ordinal) || stored.StartsWith("$6$", StringComparison.Ordinal))
        {
            return ShaCrypt.TryParse(stored, out var parsed) && parsed.Rounds <= ShaCrypt.MaxVerifyRounds ? parsed : null;
        }
        return null;
    }

    /// <summary>Compares the hash characters after the last '$' of a recomputed crypt string, in constant time.</summary>
    private static bool CompareCryptTail(string computed, string expectedHash)
    {
        string tail = computed[(computed.LastIndexOf('$') + 1)..];
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(tail), Encoding.ASCII.GetBytes(expectedHash));
    }
}
