using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Wharf.Server.Configuration;

/// <summary>Turns JSON, YAML and env files into <see cref="ConfigNode"/> trees.</summary>
internal static partial class ConfigReaders
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Parses a JSON configuration file; null when it is empty.</summary>
    public static ConfigMap? ReadJson(string text, string fileName)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            throw new ConfigurationException($"{fileName}: line {line}: malformed JSON: {OneLine(StripJsonPosition(ex.Message))}", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ConfigurationException($"{fileName}: line 1: the top level must be an object, not {doc.RootElement.ValueKind}");
            }

            return (ConfigMap)FromJson(doc.RootElement, fileName)!;
        }
    }

    private static ConfigNode? FromJson(JsonElement e, string source)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new ConfigMap(source, 0);
                foreach (var p in e.EnumerateObject())
                {
                    map.Entries.Add(new ConfigMapEntry(p.Name, 0, FromJson(p.Value, source)));
                }

                return map;
            case JsonValueKind.Array:
                var list = new ConfigList(source, 0);
                foreach (var item in e.EnumerateArray())
                {
                    list.Items.Add(FromJson(item, source));
                }

                return list;
            case JsonValueKind.String:
                return new ConfigScalar(source, 0, e.GetString()!);
            case JsonValueKind.Null:
                return null;
            default: // number, true, false
                return new ConfigScalar(source, 0, e.GetRawText());
        }
    }

    /// <summary>Parses a YAML configuration file; null when it has no document.</summary>
    public static ConfigMap? ReadYaml(string text, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var inner = ex.InnerException is { } i && i is not YamlException ? ": " + i.Message : "";
            throw new ConfigurationException($"{fileName}: line {ex.Start.Line}: malformed YAML: {OneLine(YamlPosition().Replace(ex.Message, "") + inner)}", ex);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new ConfigurationException($"{fileName}: malformed YAML: {OneLine(ex.Message)}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            throw new ConfigurationException($"{fileName}: line {stream.Documents[1].RootNode.Start.Line}: only one YAML document is allowed");
        }

        var root = stream.Documents[0].RootNode;
        return FromYaml(root, fileName) switch
        {
            null => null,
            ConfigMap map => map,
            _ => throw new ConfigurationException($"{fileName}: line {root.Start.Line}: the top level must be a mapping"),
        };
    }

    private static ConfigNode? FromYaml(YamlNode node, string source)
    {
        var line = (int)node.Start.Line;
        switch (node)
        {
            case YamlMappingNode m:
                var map = new ConfigMap(source, line);
                foreach (var (key, value) in m.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw new ConfigurationException($"{source}: line {key.Start.Line}: mapping keys must be plain names");
                    }

                    map.Entries.Add(new ConfigMapEntry(name, (int)key.Start.Line, FromYaml(value, source)));
                }

                return map;
            case YamlSequenceNode s:
                var list = new ConfigList(source, line);
                foreach (var item in s.Children)
                {
                    list.Items.Add(FromYaml(item, source));
                }

                return list;
            case YamlScalarNode sc:
                var text = sc.Value ?? "";
                if (sc.Style == ScalarStyle.Plain && text is "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                return new ConfigScalar(source, line, text);
            default:
                throw new ConfigurationException($"{source}: line {line}: unsupported YAML node");
        }
    }

    /// <summary>
    /// Parses an env file: KEY=VALUE lines; blank lines and lines starting with # are skipped; an
    /// optional "export " prefix is dropped; one pair of matching surrounding quotes is removed.
    /// </summary>
    public static List<(string Key, string Value, string Source)> ReadEnvFile(string text, string fileName)
    {
        var result = new List<(string, string, string)>();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var t = lines[n].Trim();
            if (t.Length == 0 || t[0] == '#')
            {
                continue;
            }

            if (t.StartsWith("export ", StringComparison.Ordinal))
            {
                t = t[7..].TrimStart();
            }

            var eq = t.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ConfigurationException($"{fileName}: line {n + 1}: expected KEY=VALUE");
            }

            var key = t[..eq].Trim();
            var value = t[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            result.Add((key, value, string.Create(CultureInfo.InvariantCulture, $"{fileName} line {n + 1} ({key})")));
        }

        return result;
    }

    private static string StripJsonPosition(string message)
    {
        var i = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return i >= 0 ? message[..i].TrimEnd() : message;
    }

    private static string OneLine(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            sb.Append(char.IsControl(c) ? ' ' : c);
        }

        return sb.ToString().Trim();
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex YamlPosition();
}
