using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Wharf.Server.Configuration;

/// <summary>
/// A small, strict reader for HCL version 1 configuration files (what SFTPGo's viper reads
/// through hashicorp/hcl v1), producing a <see cref="ConfigNode"/> tree. Keys with dots are
/// paths (<c>sftpd.bind_port = 2022</c> is <c>sftpd { bind_port = 2022 }</c>), as viper reads
/// them; dotted keys and blocks merge into the same sections. Keys match case-insensitively, as
/// viper's do. Anything ambiguous is an error: a key set twice, a block given twice (HCL would
/// silently make a list of them), a key used both as a value and as a section.
/// </summary>
internal static partial class HclReader
{
    /// <summary>The deepest nesting of sections and lists accepted, dotted key segments included.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses an HCL configuration file; null when it holds only whitespace and comments.</summary>
    public static ConfigMap? Read(string text, string fileName)
    {
        var tokens = Tokenize(text.Replace("\r\n", "\n", StringComparison.Ordinal), fileName);
        return tokens.Count == 1 ? null : new Parser(tokens, fileName).ParseFile();
    }

    private enum Kind
    {
        Word,
        String,
        Heredoc,
        LBrace,
        RBrace,
        LBracket,
        RBracket,
        Comma,
        EqualsSign,
        End,
    }

    /// <summary>A token; <see cref="Text"/> is the word, or the string's unescaped value.</summary>
    private readonly record struct Token(Kind Kind, string Text, int Line, int EndLine)
    {
        public string Describe() => Kind switch
        {
            Kind.Word => $"'{Text}'",
            Kind.String => "a string",
            Kind.Heredoc => "a heredoc",
            Kind.End => "the end of the file",
            _ => $"'{Text}'",
        };
    }

    private static ConfigurationException Error(string fileName, int line, string message) =>
        new($"{fileName}: line {line}: {message}");

    private static string Shown(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}") : $"'{c}'";

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '+';

    private static List<Token> Tokenize(string text, string fileName)
    {
        var tokens = new List<Token>();
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var line = 1;
        while (true)
        {
            if (i >= text.Length)
            {
                // errors at the end of the file point at its last token, not at trailing blank lines
                var endLine = tokens.Count > 0 ? tokens[^1].EndLine : line;
                tokens.Add(new Token(Kind.End, "", endLine, endLine));
                return tokens;
            }

            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '\n':
                    line++;
                    i++;
                    continue;
                case ' ' or '\t' or '\r' or '\f' or '\v':
                    i++;
                    continue;
                case '#':
                case '/' when next == '/':
                    while (i < text.Length && text[i] != '\n')
                    {
                        i++;
                    }

                    continue;
                case '/' when next == '*':
                    var commentLine = line;
                    var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        throw Error(fileName, commentLine, "the /* comment is not closed with */");
                    }

                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    continue;
                case '{':
                    tokens.Add(new Token(Kind.LBrace, "{", line, line));
                    i++;
                    continue;
                case '}':
                    tokens.Add(new Token(Kind.RBrace, "}", line, line));
                    i++;
                    continue;
                case '[':
                    tokens.Add(new Token(Kind.LBracket, "[", line, line));
                    i++;
                    continue;
                case ']':
                    tokens.Add(new Token(Kind.RBracket, "]", line, line));
                    i++;
                    continue;
                case ',':
                    tokens.Add(new Token(Kind.Comma, ",", line, line));
                    i++;
                    continue;
                case '=':
                    tokens.Add(new Token(Kind.EqualsSign, "=", line, line));
                    i++;
                    continue;
                case '"':
                    tokens.Add(new Token(Kind.String, ReadString(text, ref i, line, fileName), line, line));
                    continue;
                case '<' when next == '<':
                    var startLine = line;
                    var value = ReadHeredoc(text, ref i, ref line, fileName);
                    tokens.Add(new Token(Kind.Heredoc, value, startLine, line));
                    continue;
            }

            if (!IsWordChar(c))
            {
                throw Error(fileName, line, $"unexpected character {Shown(c)}");
            }

            var start = i;
            while (i < text.Length && IsWordChar(text[i]))
            {
                i++;
            }

            tokens.Add(new Token(Kind.Word, text[start..i], line, line));
        }
    }

    /// <summary>Reads a double-quoted string starting at text[i]; leaves i after the closing quote.</summary>
    private static string ReadString(string text, ref int i, int line, string fileName)
    {
        var sb = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                throw Error(fileName, line, "the string is not closed with \"");
            }

            var c = text[i];
            if (c == '"')
            {
                i++;
                break;
            }

            if (c == '\n')
            {
                throw Error(fileName, line, "the string is not closed on its line (write a newline as \\n, or use a heredoc <<EOF)");
            }

            if (c != '\\')
            {
                sb.Append(c);
                i++;
                continue;
            }

            var e = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (e)
            {
                case '"' or '\\':
                    sb.Append(e);
                    break;
                case 'n':
                    sb.Append('\n');
                    break;
                case 't':
                    sb.Append('\t');
                    break;
                case 'r':
                    sb.Append('\r');
                    break;
                case 'u':
                    if (i + 6 > text.Length || !IsHex4(text.AsSpan(i + 2, 4)))
                    {
                        throw Error(fileName, line, "\\u must be followed by four hexadecimal digits");
                    }

                    sb.Append((char)ushort.Parse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                case '\0' when i + 1 >= text.Length:
                    throw Error(fileName, line, "the string is not closed with \"");
                default:
                    throw Error(fileName, line, $"unknown escape \\ followed by {Shown(e)} (use \\\" \\\\ \\n \\t \\r or \\uXXXX)");
            }

            i += 2;
        }

        var s = sb.ToString();
        for (var k = 0; k < s.Length; k++)
        {
            if (char.IsHighSurrogate(s[k]) && k + 1 < s.Length && char.IsLowSurrogate(s[k + 1]))
            {
                k++;
            }
            else if (char.IsSurrogate(s[k]))
            {
                throw Error(fileName, line, "the string holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair)");
            }
        }

        return s;
    }

    private static bool IsHex4(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads <c>&lt;&lt;EOF</c> (or <c>&lt;&lt;-EOF</c>, which strips the lines' common indentation)
    /// up to the line holding only the anchor; each line keeps its newline, as HCL does.
    /// </summary>
    private static string ReadHeredoc(string text, ref int i, ref int line, string fileName)
    {
        var startLine = line;
        i += 2;
        var indented = i < text.Length && text[i] == '-';
        if (indented)
        {
            i++;
        }

        var anchorStart = i;
        while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        var anchor = text[anchorStart..i];
        if (anchor.Length == 0)
        {
            throw Error(fileName, line, "expected a heredoc anchor after << (like <<EOF)");
        }

        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        if (i < text.Length && text[i] != '\n')
        {
            throw Error(fileName, line, $"the heredoc anchor <<{(indented ? "-" : "")}{anchor} must end its line");
        }

        var lines = new List<string>();
        while (true)
        {
            if (i >= text.Length)
            {
                throw Error(fileName, startLine, $"the heredoc is not closed by a line holding only {anchor}");
            }

            i++; // the newline ending the previous line
            line++;
            var end = text.IndexOf('\n', i);
            if (end < 0)
            {
                end = text.Length;
            }

            var content = text[i..end];
            if (content.Trim(' ', '\t') == anchor)
            {
                i = end;
                break;
            }

            lines.Add(content);
            i = end;
        }

        if (indented)
        {
            var indent = int.MaxValue;
            foreach (var l in lines)
            {
                var n = l.Length - l.TrimStart(' ', '\t').Length;
                if (n < l.Length)
                {
                    indent = Math.Min(indent, n);
                }
            }

            for (var k = 0; k < lines.Count; k++)
            {
                lines[k] = lines[k][Math.Min(indent, lines[k].Length)..];
            }
        }

        var sb = new StringBuilder();
        foreach (var l in lines)
        {
            sb.Append(l).Append('\n');
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"^[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    /// <summary>A map being built, with what the strictness checks need.</summary>
    private sealed class Section(ConfigMap map, string path, int depth)
    {
        public ConfigMap Map { get; } = map;

        /// <summary>The dotted path, for messages ("" at the top).</summary>
        public string Path { get; } = path;

        public int Depth { get; } = depth;

        /// <summary>The line of the block or object that gave this section; 0 when only dotted keys made it.</summary>
        public int BlockLine { get; set; }

        /// <summary>Key → its entry's index in <see cref="Map"/> and, for a section, the section.</summary>
        public Dictionary<string, (int Index, Section? Child)> Keys { get; } = new(StringComparer.OrdinalIgnoreCase);

        public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

        public int LineOf(string key) => Map.Entries[Keys[key].Index].Line;
    }

    private sealed class Parser(List<Token> tokens, string fileName)
    {
        private int pos;
        private int lastEndLine = 1;

        private Token Peek => tokens[pos];

        private Token Next()
        {
            var t = tokens[pos];
            if (t.Kind != Kind.End)
            {
                pos++;
            }

            lastEndLine = t.EndLine;
            return t;
        }

        private ConfigurationException Fail(int line, string message) => Error(fileName, line, message);

        public ConfigMap ParseFile()
        {
            var root = new Section(new ConfigMap(fileName, 1), "", 0);
            ParseBody(root, 0);
            return root.Map;
        }

        /// <summary>Parses entries into <paramref name="section"/>, up to the end of the file (top level) or the '}'.</summary>
        private void ParseBody(Section section, int openLine)
        {
            while (true)
            {
                var t = Peek;
                if (t.Kind == Kind.End)
                {
                    if (openLine == 0)
                    {
                        return;
                    }

                    throw Fail(openLine, $"the {{ opened here{For(section)} is not closed with }}");
                }

                if (t.Kind == Kind.RBrace)
                {
                    if (openLine == 0)
                    {
                        throw Fail(t.Line, "unexpected '}' (no block is open)");
                    }

                    Next();
                    return;
                }

                ParseEntry(section);

                var after = Peek;
                if (after.Kind == Kind.Comma)
                {
                    Next();
                }
                else if (after.Kind is not (Kind.RBrace or Kind.End) && after.Line == lastEndLine)
                {
                    throw Fail(after.Line, $"expected a newline or ',' before {after.Describe()}");
                }
            }
        }

        private static string For(Section s) => s.Path.Length == 0 ? "" : $" for {s.Path}";

        private void ParseEntry(Section section)
        {
            var keyToken = Next();
            if (keyToken.Kind is not (Kind.Word or Kind.String))
            {
                throw Fail(keyToken.Line, $"expected a key, found {keyToken.Describe()}");
            }

            var segments = Segments(keyToken);
            var op = Next();
            switch (op.Kind)
            {
                case Kind.LBrace:
                    ParseBody(OpenSection(section, segments, keyToken, op.Line), op.Line);
                    return;
                case Kind.EqualsSign when Peek.Kind == Kind.LBrace:
                    var brace = Next();
                    ParseBody(OpenSection(section, segments, keyToken, brace.Line), brace.Line);
                    return;
                case Kind.EqualsSign:
                    var (parent, key) = Walk(section, segments, keyToken.Line);
                    var value = ParseValue(parent.PathOf(key), parent.Depth + 1);
                    Assign(parent, key, keyToken.Line, value);
                    return;
                case Kind.Word or Kind.String when Peek.Kind is Kind.Word or Kind.String or Kind.LBrace:
                    throw Fail(op.Line, $"block labels (key \"label\" {{ ... }}) are not supported: write {keyToken.Text}.label {{ ... }} or use a list");
                default:
                    throw Fail(op.Line, $"expected '=' or '{{' after the key {keyToken.Text}, found {op.Describe()}");
            }
        }

        private string[] Segments(Token key)
        {
            if (key.Text.Length == 0)
            {
                throw Fail(key.Line, "empty key");
            }

            if (key.Kind == Kind.Word)
            {
                foreach (var c in key.Text)
                {
                    if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '.'))
                    {
                        throw Fail(key.Line, $"'{key.Text}' is not a valid key (quote it)");
                    }
                }
            }

            var segments = key.Text.Split('.');
            if (segments.Any(s => s.Length == 0))
            {
                throw Fail(key.Line, $"the key '{key.Text}' has an empty part (dots separate section names)");
            }

            return segments;
        }

        /// <summary>Finds (creating as needed) the section holding the key's last segment.</summary>
        private (Section Parent, string Key) Walk(Section section, string[] segments, int line)
        {
            for (var k = 0; k < segments.Length - 1; k++)
            {
                var seg = segments[k];
                if (section.Keys.TryGetValue(seg, out var slot))
                {
                    section = slot.Child
                        ?? throw Fail(line, $"{section.PathOf(seg)} is used both as a value (line {section.LineOf(seg)}) and as a section (line {line})");
                }
                else
                {
                    section = AddSection(section, seg, line, line);
                }
            }

            return (section, segments[^1]);
        }

        private Section AddSection(Section parent, string key, int keyLine, int mapLine)
        {
            var child = new Section(new ConfigMap(fileName, mapLine), parent.PathOf(key), parent.Depth + 1);
            CheckDepth(child.Depth, keyLine);
            parent.Keys.Add(key, (parent.Map.Entries.Count, child));
            parent.Map.Entries.Add(new ConfigMapEntry(key, keyLine, child.Map));
            return child;
        }

        private void CheckDepth(int depth, int line)
        {
            if (depth > MaxDepth)
            {
                throw Fail(line, $"sections and lists are nested more than {MaxDepth} levels deep");
            }
        }

        /// <summary>The section a block or object value fills: new, or one so far made only by dotted keys.</summary>
        private Section OpenSection(Section section, string[] segments, Token keyToken, int braceLine)
        {
            var (parent, key) = Walk(section, segments, keyToken.Line);
            if (!parent.Keys.TryGetValue(key, out var slot))
            {
                var created = AddSection(parent, key, keyToken.Line, braceLine);
                created.BlockLine = braceLine;
                return created;
            }

            var path = parent.PathOf(key);
            var child = slot.Child
                ?? throw Fail(keyToken.Line, $"{path} is used both as a value (line {parent.LineOf(key)}) and as a section (line {keyToken.Line})");
            if (child.BlockLine > 0)
            {
                throw Fail(keyToken.Line, $"{path} is given twice as a block (line {child.BlockLine} and line {braceLine}); for several, use a list: {key} = [ {{ ... }}, {{ ... }} ]");
            }

            child.BlockLine = braceLine;
            return child;
        }

        private void Assign(Section parent, string key, int line, ConfigNode value)
        {
            if (parent.Keys.TryGetValue(key, out var slot))
            {
                var path = parent.PathOf(key);
                var first = parent.LineOf(key);
                throw Fail(line, slot.Child is null
                    ? $"{path} is set twice (line {first} and line {line})"
                    : $"{path} is used both as a section (line {first}) and as a value (line {line})");
            }

            parent.Keys.Add(key, (parent.Map.Entries.Count, null));
            parent.Map.Entries.Add(new ConfigMapEntry(key, line, value));
        }

        /// <summary>A value other than an object: a string, heredoc, number, boolean or list.</summary>
        private ConfigNode ParseValue(string path, int depth)
        {
            var t = Next();
            switch (t.Kind)
            {
                case Kind.String or Kind.Heredoc:
                    return new ConfigScalar(fileName, t.Line, t.Text);
                case Kind.Word when t.Text is "true" or "false" || Number().IsMatch(t.Text):
                    return new ConfigScalar(fileName, t.Line, t.Text);
                case Kind.Word:
                    throw Fail(t.Line, $"'{t.Text}' is not a value for {path} (expected a quoted string, a decimal number, true, false, a list or an object)");
                case Kind.LBracket:
                    return ParseList(t.Line, path, depth);
                default:
                    throw Fail(t.Line, $"expected a value for {path}, found {t.Describe()}");
            }
        }

        private ConfigList ParseList(int openLine, string path, int depth)
        {
            CheckDepth(depth, openLine);
            var list = new ConfigList(fileName, openLine);
            while (true)
            {
                var t = Peek;
                if (t.Kind == Kind.RBracket)
                {
                    Next();
                    return list;
                }

                if (t.Kind == Kind.End)
                {
                    throw Fail(openLine, $"the [ opened here for {path} is not closed with ]");
                }

                var itemPath = string.Create(CultureInfo.InvariantCulture, $"{path}[{list.Items.Count}]");
                if (t.Kind == Kind.LBrace)
                {
                    Next();
                    var item = new Section(new ConfigMap(fileName, t.Line), itemPath, depth + 1) { BlockLine = t.Line };
                    CheckDepth(item.Depth, t.Line);
                    ParseBody(item, t.Line);
                    list.Items.Add(item.Map);
                }
                else
                {
                    list.Items.Add(ParseValue(itemPath, depth + 1));
                }

                var after = Peek;
                if (after.Kind == Kind.Comma)
                {
                    Next();
                }
                else if (after.Kind == Kind.End)
                {
                    throw Fail(openLine, $"the [ opened here for {path} is not closed with ]");
                }
                else if (after.Kind != Kind.RBracket)
                {
                    throw Fail(after.Line, $"expected ',' or ']' after an item of {path}, found {after.Describe()}");
                }
            }
        }
    }
}
