using System.Globalization;
using System.Text;

namespace Wharf.Server.Configuration;

/// <summary>
/// Turns a Java-properties file (the format viper reads through magiconair/properties) into a
/// <see cref="ConfigMap"/> tree. The syntax is java.util.Properties.load's, read as UTF-8 text:
/// <list type="bullet">
/// <item>a line whose first non-blank character is <c>#</c> or <c>!</c> is a comment (it never continues);</item>
/// <item>a key ends at the first unescaped <c>=</c>, <c>:</c> or blank (space, tab, form feed); blanks
/// around the one <c>=</c> or <c>:</c> are skipped, so <c>k=v</c>, <c>k : v</c> and <c>k v</c> are the same;
/// the rest of the line, trailing blanks included, is the value;</item>
/// <item>a line ending in an odd number of backslashes continues on the next line, whose leading
/// blanks are dropped; a continuation on the last line is an error (as in magiconair);</item>
/// <item>escapes in keys and values: <c>\t \n \r \f</c>, <c>\uXXXX</c> (exactly four hex digits), and
/// <c>\c</c> for any other character c means c (<c>\\ \= \: \# \! \ </c> and so on);</item>
/// <item>a line that is only a key, with no separator and no value, gives the key the empty string
/// (Java does the same), as does <c>key =</c>: the value is "", never null;</item>
/// <item>a dotted key is a path: <c>sftpd.bind_port = 2022</c> is bind_port in the sftpd mapping;
/// <c>\.</c> is a dot like any other (viper splits keys after unescaping them);</item>
/// <item><c>${other.key}</c> in a value is replaced by that key's value, which must be defined in this
/// file (in any order); <c>\$</c>, and a <c>$</c> not followed by <c>{</c>, are literal.</item>
/// </list>
/// It is stricter than both Java and magiconair, which keep the last of repeated keys and accept
/// anything as a key: a key given twice (keys compare case-insensitively, as viper's and the
/// binder's do), a key that is both a value and a section, an empty key or key segment, a
/// malformed <c>\u</c>, an unpaired surrogate, <c>${</c> in a key, an unterminated or empty
/// <c>${}</c>, a reference to an undefined key and a circular reference are errors naming the line.
/// </summary>
internal static class PropertiesReader
{
    /// <summary>Parses a properties file; null when it has nothing but blank lines and comments.</summary>
    public static ConfigMap? Read(string text, string fileName)
    {
        var root = new Section(0);
        var byKey = new Dictionary<string, Property>(StringComparer.OrdinalIgnoreCase);
        var properties = new List<Property>();
        foreach (var line in LogicalLines(text, fileName))
        {
            var p = ParseLine(line, fileName);
            Add(root, p, fileName);
            byKey.Add(p.Key, p);
            properties.Add(p);
        }

        if (properties.Count == 0)
        {
            return null;
        }

        foreach (var p in properties)
        {
            Expand(p, byKey, [], fileName);
        }

        root.Line = properties[0].Line;
        return (ConfigMap)ToNode(root, fileName);
    }

    private static readonly char[] Blanks = [' ', '\t', '\f'];

    private static bool IsBlank(char c) => c is ' ' or '\t' or '\f';

    /// <summary>A logical line: its text, and where each physical line starts in it.</summary>
    private sealed record LogicalLine(string Text, List<(int Offset, int Line)> Parts)
    {
        public int First => Parts[0].Line;

        /// <summary>The physical line holding the character at <paramref name="offset"/>.</summary>
        public int LineAt(int offset)
        {
            var line = Parts[0].Line;
            foreach (var (start, n) in Parts)
            {
                if (start <= offset)
                {
                    line = n;
                }
            }

            return line;
        }
    }

    /// <summary>One key = value line, its value split into literal text and references.</summary>
    private sealed class Property(string key, string[] path, int line, List<(string Text, bool IsReference, int Line)> parts)
    {
        public string Key { get; } = key;

        public string[] Path { get; } = path;

        public int Line { get; } = line;

        public List<(string Text, bool IsReference, int Line)> Parts { get; } = parts;

        public string? Value { get; set; }
    }

    private sealed class Section(int line)
    {
        public int Line { get; set; } = line;

        public List<(string Key, int Line, object Node)> Entries { get; } = [];

        public Dictionary<string, object> ByKey { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Splits the text into logical lines, skipping blank and comment lines and joining continuations.</summary>
    private static IEnumerable<LogicalLine> LogicalLines(string text, string fileName)
    {
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }

        // \r\n, \r and \n end lines (not ReplaceLineEndings, which also breaks at form feeds).
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\r', '\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var physical = lines[n].TrimStart(Blanks);
            if (physical.Length == 0 || physical[0] is '#' or '!')
            {
                continue;
            }

            var sb = new StringBuilder();
            var parts = new List<(int, int)> { (0, n + 1) };
            while (EndsInContinuation(physical))
            {
                sb.Append(physical, 0, physical.Length - 1);
                if (++n == lines.Length)
                {
                    throw new ConfigurationException($"{fileName}: line {n}: the line ends in a continuation backslash, but it is the last line");
                }

                physical = lines[n].TrimStart(Blanks);
                parts.Add((sb.Length, n + 1));
            }

            sb.Append(physical);
            yield return new LogicalLine(sb.ToString(), parts);
        }
    }

    private static bool EndsInContinuation(string s)
    {
        var count = 0;
        for (var i = s.Length - 1; i >= 0 && s[i] == '\\'; i--)
        {
            count++;
        }

        return count % 2 == 1;
    }

    private static Property ParseLine(LogicalLine line, string fileName)
    {
        var s = line.Text;
        var key = new StringBuilder();
        var i = 0;
        while (i < s.Length && s[i] is not ('=' or ':') && !IsBlank(s[i]))
        {
            if (s[i] == '$' && i + 1 < s.Length && s[i + 1] == '{')
            {
                throw new ConfigurationException($"{fileName}: line {line.LineAt(i)}: '${{' in a key (references are expanded in values only; write \\$ for a literal $)");
            }

            i = Decode(s, i, key, line, fileName);
        }

        var name = key.ToString();
        if (name.Length == 0)
        {
            throw new ConfigurationException($"{fileName}: line {line.First}: the key is missing before the value");
        }

        CheckSurrogates(name, line.First, fileName);
        var path = name.Split('.');
        if (path.Any(segment => segment.Length == 0))
        {
            throw new ConfigurationException($"{fileName}: line {line.First}: the key '{name}' has an empty part (keys are names joined by single dots)");
        }

        while (i < s.Length && IsBlank(s[i]))
        {
            i++;
        }

        if (i < s.Length && s[i] is '=' or ':')
        {
            i++;
            while (i < s.Length && IsBlank(s[i]))
            {
                i++;
            }
        }

        return new Property(name, path, line.First, ParseValue(s, i, line, fileName));
    }

    /// <summary>The value from <paramref name="i"/> to the end, as literal text and ${} references.</summary>
    private static List<(string Text, bool IsReference, int Line)> ParseValue(string s, int i, LogicalLine line, string fileName)
    {
        var parts = new List<(string, bool, int)>();
        var literal = new StringBuilder();
        var literalLine = line.LineAt(i);
        while (i < s.Length)
        {
            if (s[i] == '$' && i + 1 < s.Length && s[i + 1] == '{')
            {
                var start = i;
                var name = new StringBuilder();
                i += 2;
                var closed = false;
                while (i < s.Length)
                {
                    if (s[i] == '}')
                    {
                        closed = true;
                        i++;
                        break;
                    }

                    i = Decode(s, i, name, line, fileName);
                }

                var at = line.LineAt(start);
                if (!closed)
                {
                    throw new ConfigurationException($"{fileName}: line {at}: '${{' without its closing '}}' (write \\$ for a literal $)");
                }

                if (name.Length == 0)
                {
                    throw new ConfigurationException($"{fileName}: line {at}: '${{}}' names no key");
                }

                if (literal.Length > 0)
                {
                    parts.Add((literal.ToString(), false, literalLine));
                    literal.Clear();
                }

                parts.Add((name.ToString(), true, at));
                literalLine = line.LineAt(i);
            }
            else
            {
                i = Decode(s, i, literal, line, fileName);
            }
        }

        if (literal.Length > 0 || parts.Count == 0)
        {
            parts.Add((literal.ToString(), false, literalLine));
        }

        foreach (var (text, _, at) in parts)
        {
            CheckSurrogates(text, at, fileName);
        }

        return parts;
    }

    /// <summary>Appends the (possibly escaped) character at <paramref name="i"/>; returns the index after it.</summary>
    private static int Decode(string s, int i, StringBuilder sb, LogicalLine line, string fileName)
    {
        if (s[i] != '\\')
        {
            sb.Append(s[i]);
            return i + 1;
        }

        if (i + 1 == s.Length)
        {
            // Unreachable: a lone final backslash is a continuation, removed when joining lines.
            throw new ConfigurationException($"{fileName}: line {line.LineAt(i)}: a backslash escapes nothing");
        }

        var c = s[i + 1];
        switch (c)
        {
            case 't': sb.Append('\t'); break;
            case 'n': sb.Append('\n'); break;
            case 'r': sb.Append('\r'); break;
            case 'f': sb.Append('\f'); break;
            case 'u':
                if (i + 6 > s.Length || !ushort.TryParse(s.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    var shown = s.Substring(i, Math.Min(6, s.Length - i));
                    throw new ConfigurationException($"{fileName}: line {line.LineAt(i)}: malformed escape '{shown}' (\\u takes exactly four hex digits)");
                }

                sb.Append((char)code);
                return i + 6;
            default: sb.Append(c); break; // \\ \= \: \# \! \  and any other \c mean c, as in Java
        }

        return i + 2;
    }

    private static void CheckSurrogates(string s, int line, string fileName)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                throw new ConfigurationException($"{fileName}: line {line}: \\u{(int)s[i]:X4} is half of a surrogate pair (write both halves, high then low)");
            }
        }
    }

    /// <summary>Files <paramref name="p"/> under its path, refusing repeated keys and value/section clashes.</summary>
    private static void Add(Section root, Property p, string fileName)
    {
        var section = root;
        for (var k = 0; k < p.Path.Length; k++)
        {
            var segment = p.Path[k];
            var prefix = string.Join('.', p.Path[..(k + 1)]);
            var last = k == p.Path.Length - 1;
            section.ByKey.TryGetValue(segment, out var existing);
            switch (existing)
            {
                case null:
                    object node = last ? p : new Section(p.Line);
                    section.Entries.Add((segment, p.Line, node));
                    section.ByKey.Add(segment, node);
                    if (node is Section created)
                    {
                        section = created;
                    }

                    break;
                case Property other when last:
                    throw new ConfigurationException($"{fileName}: line {p.Line}: '{p.Key}' is given twice (lines {other.Line} and {p.Line})");
                case Property other:
                    throw new ConfigurationException($"{fileName}: line {p.Line}: '{p.Key}' uses '{prefix}' as a section, but line {other.Line} gives '{other.Key}' a value");
                case Section s when last:
                    throw new ConfigurationException($"{fileName}: line {p.Line}: '{p.Key}' is given a value, but line {s.Line} uses it as a section");
                case Section s:
                    section = s;
                    break;
            }
        }
    }

    /// <summary>Sets <paramref name="p"/>'s value, expanding its references first.</summary>
    private static string Expand(Property p, Dictionary<string, Property> byKey, List<Property> chain, string fileName)
    {
        if (p.Value is { } done)
        {
            return done;
        }

        var cycle = chain.IndexOf(p);
        if (cycle >= 0)
        {
            var keys = string.Join(" -> ", chain.Skip(cycle).Select(c => c.Key).Append(p.Key));
            throw new ConfigurationException($"{fileName}: line {p.Line}: circular reference: {keys}");
        }

        chain.Add(p);
        var sb = new StringBuilder();
        foreach (var (text, isReference, line) in p.Parts)
        {
            if (!isReference)
            {
                sb.Append(text);
            }
            else if (byKey.TryGetValue(text, out var target))
            {
                sb.Append(Expand(target, byKey, chain, fileName));
            }
            else
            {
                throw new ConfigurationException($"{fileName}: line {line}: '{p.Key}' refers to '${{{text}}}', but '{text}' is not a key with a value in this file");
            }
        }

        chain.RemoveAt(chain.Count - 1);
        return p.Value = sb.ToString();
    }

    private static ConfigNode ToNode(object node, string fileName)
    {
        if (node is Property p)
        {
            return new ConfigScalar(fileName, p.Line, p.Value!);
        }

        var section = (Section)node;
        var map = new ConfigMap(fileName, section.Line);
        foreach (var (key, line, child) in section.Entries)
        {
            map.Entries.Add(new ConfigMapEntry(key, line, ToNode(child, fileName)));
        }

        return map;
    }
}
