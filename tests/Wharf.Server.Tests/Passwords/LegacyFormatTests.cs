using System.Text;
using Wharf.Server.Accounts.Passwords;

namespace Wharf.Server.Tests.Passwords;

public class LegacyFormatTests
{
    [Fact]
    public void SftpGoBcryptExampleVerifies()
    {
        // From SFTPGo's README: "secret", cost 14 (about a second).
        const string stored = "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK";
        Assert.True(PasswordHasher.Verify("secret", stored));
    }

    [Theory]
    [InlineData("pw")]
    [InlineData("correct horse battery staple")]
    [InlineData("ünïcödé")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789AB")] // 72 bytes: the limit
    public void HtpasswdBcryptVerifiesUnderEveryPrefix(string password)
    {
        string line = Tools.Run("htpasswd", null, "-nbB", "-C", "5", "user", password);
        string stored = line[(line.IndexOf(':') + 1)..];
        Assert.StartsWith("$2y$05$", stored);
        // $2a$, $2b$ and $2y$ differ only in historical bugs that do not touch such passwords.
        foreach (var prefix in new[] { "$2y$", "$2a$", "$2b$" })
        {
            string s = prefix + stored[4..];
            Assert.True(PasswordHasher.IsHashed(s));
            Assert.True(PasswordHasher.Verify(password, s), s);
            Assert.False(PasswordHasher.Verify(password[..^1], s));
        }
        // Only the first 72 bytes count, as in OpenBSD and Go.
        if (Encoding.UTF8.GetByteCount(password) == 72) Assert.True(PasswordHasher.Verify(password + "ignored", stored));
        var tampered = stored.ToCharArray();
        tampered[^3] = tampered[^3] == 'a' ? 'b' : 'a';
        Assert.False(PasswordHasher.Verify(password, new string(tampered)));
    }

    [Fact]
    public void SftpGoPbkdf2ExampleVerifies()
    {
        // From SFTPGo's README: the salt is the literal text E86a9YMX3zC7, not decoded.
        const string stored = "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=";
        Assert.True(PasswordHasher.IsHashed(stored));
        Assert.True(PasswordHasher.Verify("password", stored));
        Assert.False(PasswordHasher.Verify("Password", stored));
        Assert.False(PasswordHasher.Verify("password", stored.Replace("150000", "150001", StringComparison.Ordinal)));
        Assert.False(PasswordHasher.Verify("password", stored.Replace("E86a9YMX3zC7", "E86a9YMX3zC8", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("SHA1", "sha1", "password", "salt", 1000, 20)]
    [InlineData("SHA256", "sha256", "pässword", "some salt", 5000, 32)]
    [InlineData("SHA512", "sha512", "password", "xyz", 1000, 64)]
    [InlineData("SHA512", "sha512", "", "saltsalt", 10, 16)]
    public void Pbkdf2MatchesOpenssl(string digest, string name, string password, string salt, int iterations, int length)
    {
        string hex = Tools.Run("openssl", null, "kdf", "-keylen", $"{length}", "-kdfopt", $"digest:{digest}",
            "-kdfopt", $"pass:{password}", "-kdfopt", $"salt:{salt}", "-kdfopt", $"iter:{iterations}", "PBKDF2");
        byte[] key = Convert.FromHexString(hex.Replace(":", "", StringComparison.Ordinal));
        string stored = $"$pbkdf2-{name}${iterations}${salt}${Convert.ToBase64String(key)}";
        Assert.True(PasswordHasher.IsHashed(stored));
        Assert.True(PasswordHasher.Verify(password, stored));
        Assert.False(PasswordHasher.Verify(password + "x", stored));
    }

    public static TheoryData<string, string, string> MkpasswdCases => new()
    {
        { "md5", "password", "saltsalt" },
        { "md5", "", "abcdefgh" },
        { "md5", "ünïcödé pässwörd", "12345678" },
        { "sha-256", "password", "saltsalt" },
        { "sha-256", "", "abcdefghijklmnop" },
        { "sha-256", "a much longer password that exceeds thirty-two bytes of key material", "sixteencharsalt." },
        { "sha-512", "password", "saltsalt" },
        { "sha-512", "", "saltsalt" },
        { "sha-512", "a much longer password that exceeds sixty-four bytes of key material, by quite a lot", "./0123456789ABCD" },
    };

    [Theory]
    [MemberData(nameof(MkpasswdCases))]
    public void CryptMatchesMkpasswd(string method, string password, string salt)
    {
        string stored = Tools.Run("mkpasswd", password, "-s", "-m", method, "-S", salt);
        AssertCrypt(password, stored);
        string ours = method switch
        {
            "md5" => Md5Crypt.Crypt(Encoding.UTF8.GetBytes(password), salt),
            _ => ShaCrypt.Crypt(method == "sha-512", Encoding.UTF8.GetBytes(password), salt, null),
        };
        Assert.Equal(stored, ours);
    }

    [Theory]
    [InlineData("sha-256", 1000)]
    [InlineData("sha-256", 12345)]
    [InlineData("sha-512", 5000)]
    [InlineData("sha-512", 77777)]
    public void CryptCustomRoundsMatchMkpasswd(string method, int rounds)
    {
        string stored = Tools.Run("mkpasswd", "password", "-s", "-m", method, "-R", $"{rounds}", "-S", "roundsalt");
        Assert.Contains($"$rounds={rounds}$", stored, StringComparison.Ordinal);
        AssertCrypt("password", stored);
        Assert.Equal(stored, ShaCrypt.Crypt(method == "sha-512", "password"u8.ToArray(), "roundsalt", rounds));
        // The rounds are part of the hash.
        Assert.False(PasswordHasher.Verify("password", stored.Replace($"rounds={rounds}", $"rounds={rounds + 1}", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("-1", "password", "abcdefghij")]        // salt cut to 8
    [InlineData("-1", "x", "a")]
    [InlineData("-5", "password", "abcdefghijklmnopqrs")] // salt cut to 16
    [InlineData("-5", "Pa55 w0rd!", "s")]
    [InlineData("-6", "password", "abcdefghijklmnopqrstuvwxyz")]
    [InlineData("-6", "€uro", "saltsalt")]
    public void CryptMatchesOpensslPasswd(string flag, string password, string salt)
    {
        string stored = Tools.Run("openssl", null, "passwd", flag, "-salt", salt, password);
        AssertCrypt(password, stored);
        byte[] pw = Encoding.UTF8.GetBytes(password);
        string ours = flag == "-1" ? Md5Crypt.Crypt(pw, salt) : ShaCrypt.Crypt(flag == "-6", pw, salt, null);
        Assert.Equal(stored, ours);
    }

    [Fact]
    public void CryptRoundsBelowTheMinimumAreClampedAsGlibcDoes()
    {
        string clamped = ShaCrypt.Crypt(true, "password"u8.ToArray(), "saltsalt", 10);
        Assert.StartsWith("$6$rounds=1000$saltsalt$", clamped);
        string stored = Tools.Run("mkpasswd", "password", "-s", "-m", "sha-512", "-R", "1000", "-S", "saltsalt");
        Assert.Equal(stored, clamped);
        // A stored rounds=10 means 1000 rounds.
        Assert.True(PasswordHasher.Verify("password", stored.Replace("rounds=1000", "rounds=10", StringComparison.Ordinal)));
    }

    private static void AssertCrypt(string password, string stored)
    {
        Assert.True(PasswordHasher.IsHashed(stored), stored);
        Assert.True(PasswordHasher.Verify(password, stored), stored);
        Assert.False(PasswordHasher.Verify(password + "x", stored));
        Assert.False(PasswordHasher.Verify("", stored[..^1] + (stored[^1] == '.' ? '/' : '.')));
        var tampered = stored.ToCharArray();
        tampered[^5] = tampered[^5] == 'a' ? 'b' : 'a';
        Assert.False(PasswordHasher.Verify(password, new string(tampered)));
    }
}
