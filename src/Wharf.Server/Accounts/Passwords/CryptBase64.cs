namespace Wharf.Server.Accounts.Passwords;

/// <summary>The "./0-9A-Za-z" encoding of crypt(3): 24-bit groups emitted least significant 6 bits first.</summary>
internal static class CryptBase64
{
    internal const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Appends <paramref name="count"/> characters for the 24-bit value b2:b1:b0.</summary>
    internal static void Append24(System.Text.StringBuilder sb, byte b2, byte b1, byte b0, int count)
    {
        int w = (b2 << 16) | (b1 << 8) | b0;
        for (int i = 0; i < count; i++)
        {
            sb.Append(Alphabet[w & 0x3f]);
            w >>= 6;
        }
    }

    internal static bool IsAlphabet(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!((c >= '.' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
        }
        return true;
    }
}
