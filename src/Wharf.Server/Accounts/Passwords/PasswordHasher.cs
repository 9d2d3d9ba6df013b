namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// Password storage: new passwords are hashed with argon2id; argon2id, bcrypt, pbkdf2
/// (<c>$pbkdf2-sha1|sha256|sha512$iter$salt$hash</c>), md5crypt <c>$1$</c>, sha256crypt <c>$5$</c>
/// and sha512crypt <c>$6$</c> hashes verify; a password given already hashed is stored as is.
/// </summary>
public static partial class PasswordHasher
{
    /// <summary>True when <paramref name="value"/> is a hash in a supported format.</summary>
    public static partial bool IsHashed(string value);

    /// <summary>An argon2id PHC string for <paramref name="password"/>.</summary>
    public static partial string Hash(string password);

    /// <summary><paramref name="value"/> itself when already hashed, else its argon2id hash.</summary>
    public static string HashIfNeeded(string value) => IsHashed(value) ? value : Hash(value);

    /// <summary>Checks <paramref name="password"/> against <paramref name="stored"/> in constant time; false for an unknown format.</summary>
    public static partial bool Verify(string password, string stored);

    /// <summary>Spends about as long as a real verification, for unknown users (no user enumeration by timing).</summary>
    public static partial void VerifyDummy(string password);
}
