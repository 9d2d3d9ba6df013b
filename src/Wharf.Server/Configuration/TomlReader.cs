using System.Globalization;
using Tomlyn;
using Tomlyn.Model;

namespace Wharf.Server.Configuration;

/// <summary>
/// Turns a TOML file (as SFTPGo's viper read <c>sftpgo.toml</c>) into a <see cref="ConfigNode"/>
/// tree. Tomlyn parses it (TOML 1.0: duplicate keys, redefined tables and malformed values are
/// its errors); dates are kept as their text, as no option takes one.
/// </summary>
internal static class TomlReader
{
    /// <summary>Parses <paramref name="text"/>; null when the file defines nothing.</summary>
    public static ConfigMap? Read(string text, string fileName)
    {
        // The syntax tree first, validated (a key defined twice, a table redefined): the model
        // deserializer alone keeps the last of two definitions.
        Tomlyn.Syntax.DocumentSyntax document;
        try
        {
            document = Tomlyn.Parsing.SyntaxParser.Parse(text, fileName, validate: true);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // Tomlyn 2.11.1's lexer throws this for a backslash at the very end of the input
            // (found by the config-toml fuzz target) instead of reporting a diagnostic.
            throw new ConfigurationException($"{fileName}: malformed TOML: an escape sequence is cut off at the end of the file", ex);
        }

        if (document.Diagnostics.HasErrors)
        {
            var first = document.Diagnostics.First(d => d.Kind == Tomlyn.Syntax.DiagnosticMessageKind.Error);
            throw new ConfigurationException($"{fileName}: line {first.Span.Start.Line + 1}: malformed TOML: {first.Message}");
        }

        TomlTable table;
        try
        {
            // TOML forbids a key defined twice; Tomlyn's serializer would keep the last one.
            var options = new TomlSerializerOptions { DuplicateKeyHandling = TomlDuplicateKeyHandling.Error, SourceName = fileName };
            table = TomlSerializer.Deserialize<TomlTable>(text, options) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            var message = ex.Diagnostics is { Count: > 0 } d ? d[0].Message : ex.Message;
            int line = ex.Diagnostics is { Count: > 0 } dd ? dd[0].Span.Start.Line + 1 : (ex.Line ?? 0) + 1;
            throw new ConfigurationException($"{fileName}: line {line}: malformed TOML: {message}", ex);
        }

        return table.Count == 0 ? null : FromTable(table, fileName);
    }

    private static ConfigMap FromTable(TomlTable table, string source)
    {
        var map = new ConfigMap(source, 0);
        foreach (var (key, value) in table)
        {
            map.Entries.Add(new ConfigMapEntry(key, 0, FromValue(value, source)));
        }

        return map;
    }

    private static ConfigNode? FromValue(object? value, string source)
    {
        switch (value)
        {
            case null:
                return null;
            case TomlTable t:
                return FromTable(t, source);
            case TomlTableArray tables:
                var tableList = new ConfigList(source, 0);
                foreach (var t in tables)
                {
                    tableList.Items.Add(FromTable(t, source));
                }

                return tableList;
            case TomlArray array:
                var list = new ConfigList(source, 0);
                foreach (var item in array)
                {
                    list.Items.Add(FromValue(item, source));
                }

                return list;
            case string s:
                return new ConfigScalar(source, 0, s);
            case bool b:
                return new ConfigScalar(source, 0, b ? "true" : "false");
            case double d:
                return new ConfigScalar(source, 0, d.ToString("R", CultureInfo.InvariantCulture));
            case IFormattable f:
                return new ConfigScalar(source, 0, f.ToString(null, CultureInfo.InvariantCulture));
            default:
                return new ConfigScalar(source, 0, value.ToString() ?? "");
        }
    }
}
