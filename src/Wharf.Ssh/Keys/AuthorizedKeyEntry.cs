using System.Text;

namespace Wharf.Ssh.Keys;

/// <summary>
/// One line of an OpenSSH authorized_keys file (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"):
/// optional options, the key, an optional comment. A <c>.pub</c> file line is the same without options.
/// </summary>
/// <param name="Key">The authorized key (or, with <c>cert-authority</c>, the trusted CA key).</param>
/// <param name="Comment">Text after the key, or null.</param>
/// <param name="Options">Options in file order; flags such as <c>no-pty</c> have a null value, quoted values are unescaped.</param>
public sealed record AuthorizedKeyEntry(SshPublicKey Key, string? Comment, IReadOnlyList<KeyValuePair<string, string?>> Options)
{
    /// <summary>True when the line carries <c>cert-authority</c>: the key is a CA trusted to sign user certificates, not a user key.</summary>
    public bool IsCertificateAuthority => HasOption("cert-authority");

    /// <summary>True when an option of that name (case-insensitive, as sshd treats them) is present.</summary>
    public bool HasOption(string name) => Options.Any(o => string.Equals(o.Key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The value of the first option named <paramref name="name"/>, or null when absent or a flag.</summary>
    public string? GetOption(string name) =>
        Options.FirstOrDefault(o => string.Equals(o.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Parses one line: <c>[options] keytype base64 [comment]</c>.</summary>
    /// <exception cref="FormatException">The line is blank, a comment, or malformed, or the key is invalid.</exception>
    public static AuthorizedKeyEntry Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string text = line.Trim();
        if (text.Length == 0 || text[0] == '#')
        {
            throw new FormatException("line holds no key");
        }

        var options = new List<KeyValuePair<string, string?>>();
        int position = 0;
        if (!IsKeyType(FirstToken(text)))
        {
            position = ParseOptions(text, options);
            while (position < text.Length && char.IsWhiteSpace(text[position]))
            {
                position++;
            }
        }

        string rest = text[position..];
        string[] parts = rest.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw new FormatException("expected a key type and base64 key data");
        }

        string keyType = parts[0];
        if (!IsKeyType(keyType))
        {
            throw new FormatException($"unknown key type '{keyType}'");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException ex)
        {
            throw new FormatException("key data is not valid base64", ex);
        }

        SshPublicKey key;
        try
        {
            key = SshPublicKey.Parse(blob);
        }
        catch (SshConnectionException ex)
        {
            throw new FormatException("invalid key: " + ex.Message, ex);
        }

        // A blob whose inner type differs from the text would let a reader be fooled about
        // what kind of key a line authorizes.
        if (key.KeyType != keyType)
        {
            throw new FormatException($"key type '{keyType}' does not match the key data ('{key.KeyType}')");
        }

        string? comment = parts.Length > 2 ? parts[2].Trim() : null;
        return new AuthorizedKeyEntry(key, string.IsNullOrEmpty(comment) ? null : comment, options);
    }

    /// <summary>
    /// Parses a whole file, skipping blank lines and <c>#</c> comments. A malformed line throws
    /// (with its line number) unless <paramref name="onError"/> is given, in which case it is
    /// reported there and skipped, as sshd does.
    /// </summary>
    public static IReadOnlyList<AuthorizedKeyEntry> ParseFile(string text, Action<int, FormatException>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<AuthorizedKeyEntry>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            try
            {
                entries.Add(Parse(line));
            }
            catch (FormatException ex)
            {
                if (onError is null)
                {
                    throw new FormatException($"line {i + 1}: {ex.Message}", ex);
                }

                onError(i + 1, ex);
            }
        }

        return entries;
    }

    private static string FirstToken(string text)
    {
        int end = 0;
        while (end < text.Length && !char.IsWhiteSpace(text[end]))
        {
            end++;
        }

        return text[..end];
    }

    private static bool IsKeyType(string token) =>
        token == Ed25519PublicKey.Name || token == RsaPublicKey.Name || EcdsaCurveInfo.FromKeyType(token) is not null
        || (token.EndsWith(SshCertificate.CertSuffix, StringComparison.Ordinal) && IsKeyType(token[..^SshCertificate.CertSuffix.Length]));

    /// <summary>Reads <c>name[="value"]</c> items separated by commas, up to the first unquoted whitespace.</summary>
    private static int ParseOptions(string text, List<KeyValuePair<string, string?>> options)
    {
        int i = 0;
        while (true)
        {
            int nameStart = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '-' || text[i] is '_' || text[i] is '@' || text[i] is '.'))
            {
                i++;
            }

            if (i == nameStart)
            {
                throw new FormatException($"bad option syntax at column {i + 1}");
            }

            string name = text[nameStart..i];
            string? value = null;
            if (i < text.Length && text[i] == '=')
            {
                i++;
                if (i >= text.Length || text[i] != '"')
                {
                    throw new FormatException($"option '{name}' value must be quoted");
                }

                i++;
                var sb = new StringBuilder();
                bool closed = false;
                while (i < text.Length)
                {
                    char c = text[i];
                    if (c == '\\' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        sb.Append('"');
                        i += 2;
                        continue;
                    }

                    if (c == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }

                    sb.Append(c);
                    i++;
                }

                if (!closed)
                {
                    throw new FormatException($"option '{name}' has an unterminated quoted value");
                }

                value = sb.ToString();
            }

            options.Add(new KeyValuePair<string, string?>(name, value));
            if (i >= text.Length || char.IsWhiteSpace(text[i]))
            {
                return i;
            }

            if (text[i] != ',')
            {
                throw new FormatException($"bad option syntax at column {i + 1}");
            }

            i++;
        }
    }
}
