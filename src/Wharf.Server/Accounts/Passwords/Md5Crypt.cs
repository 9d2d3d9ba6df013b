using System.Security.Cryptography;
using System.Text;

namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// md5crypt (<c>$1$salt$hash</c>), Poul-Henning Kamp's FreeBSD scheme found in old /etc/shadow files:
/// salt of at most 8 characters, 1000 rounds of MD5, 22 characters of crypt base64.
/// </summary>
internal static class Md5Crypt
{
    private const string Magic = "$1$";
    private const int MaxSalt = 8;

    /// <summary>Splits a stored <c>$1$</c> value; false when it is not well formed.</summary>
    internal static bool TryParse(string stored, out string salt, out string hash)
    {
        salt = hash = "";
        if (!stored.StartsWith(Magic, StringComparison.Ordinal)) return false;
        int dollar = stored.IndexOf('$', Magic.Length);
        if (dollar < 0 || dollar - Magic.Length > MaxSalt) return false;
        salt = stored[Magic.Length..dollar];
        hash = stored[(dollar + 1)..];
        return hash.Length == 22 && CryptBase64.IsAlphabet(hash);
    }

    /// <summary>The full <c>$1$salt$hash</c> string; the salt is cut at 8 characters or the first '$'.</summary>
    internal static string Crypt(byte[] password, string saltText)
    {
        int end = saltText.IndexOf('$');
        if (end >= 0) saltText = saltText[..end];
        if (saltText.Length > MaxSalt) saltText = saltText[..MaxSalt];
        byte[] salt = Encoding.UTF8.GetBytes(saltText);
        byte[] magic = Encoding.ASCII.GetBytes(Magic);

        using var alt = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        alt.AppendData(password);
        alt.AppendData(salt);
        alt.AppendData(password);
        byte[] altResult = alt.GetHashAndReset();

        using var ctx = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        ctx.AppendData(password);
        ctx.AppendData(magic);
        ctx.AppendData(salt);
        for (int left = password.Length; left > 0; left -= 16) ctx.AppendData(altResult, 0, Math.Min(left, 16));
        // The historical quirk: a set bit adds a NUL byte, a clear bit the first password byte.
        for (int i = password.Length; i != 0; i >>= 1)
        {
            if ((i & 1) != 0) ctx.AppendData(new byte[1]);
            else ctx.AppendData(password, 0, 1);
        }
        byte[] final = ctx.GetHashAndReset();

        // 1000 rounds, only to slow down brute force.
        for (int i = 0; i < 1000; i++)
        {
            if ((i & 1) != 0) ctx.AppendData(password); else ctx.AppendData(final);
            if (i % 3 != 0) ctx.AppendData(salt);
            if (i % 7 != 0) ctx.AppendData(password);
            if ((i & 1) != 0) ctx.AppendData(final); else ctx.AppendData(password);
            final = ctx.GetHashAndReset();
        }

        var sb = new StringBuilder(Magic.Length + saltText.Length + 1 + 22);
        sb.Append(Magic).Append(saltText).Append('$');
        CryptBase64.Append24(sb, final[0], final[6], final[12], 4);
        CryptBase64.Append24(sb, final[1], final[7], final[13], 4);
        CryptBase64.Append24(sb, final[2], final[8], final[14], 4);
        CryptBase64.Append24(sb, final[3], final[9], final[15], 4);
        CryptBase64.Append24(sb, final[4], final[10], final[5], 4);
        CryptBase64.Append24(sb, 0, 0, final[11], 2);
        CryptographicOperations.ZeroMemory(final);
        CryptographicOperations.ZeroMemory(altResult);
        return sb.ToString();
    }
}
