using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>
/// Applies a <see cref="ConfigNode"/> tree onto configuration objects, by their
/// [JsonPropertyName] names (case-insensitive). A list given as a list or a comma-separated
/// scalar replaces the current one; a mapping with numeric keys ("0", "1", ...) edits the items
/// at those indexes, or appends when the index equals the count.
/// </summary>
internal static class ConfigBinder
{
    /// <summary>Binds <paramref name="map"/> onto <paramref name="target"/>; unknown options are collected, other problems throw.</summary>
    public static void Bind(object target, ConfigMap map, string path, List<string> unknown)
    {
        var props = Properties(target.GetType());
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in map.Entries)
        {
            var optionPath = Join(path, entry.Key);
            if (!props.TryGetValue(entry.Key, out var prop))
            {
                unknown.Add(entry.Line > 0 ? $"{optionPath} (line {entry.Line})" : optionPath);
                continue;
            }

            if (!seen.Add(entry.Key))
            {
                throw Error(optionPath, "is given more than once", map, entry.Line);
            }

            if (entry.Value is { } value)
            {
                Set(target, prop, value, optionPath, unknown);
            }
        }
    }

    private static void Set(object target, PropertyInfo prop, ConfigNode node, string path, List<string> unknown)
    {
        var type = prop.PropertyType;
        if (type == typeof(string))
        {
            prop.SetValue(target, Scalar(node, path));
        }
        else if (type == typeof(int))
        {
            var text = Scalar(node, path).Trim();
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
            {
                throw Error(path, $"'{text}' is not an integer", node);
            }

            prop.SetValue(target, i);
        }
        else if (type == typeof(bool))
        {
            var text = Scalar(node, path).Trim();
            prop.SetValue(target, text.ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => throw Error(path, $"'{text}' is not a boolean (true or false)", node),
            });
        }
        else if (type == typeof(List<string>))
        {
            var list = (List<string>)prop.GetValue(target)!;
            switch (node)
            {
                case ConfigScalar s:
                    prop.SetValue(target, SplitList(s.Text));
                    break;
                case ConfigList l:
                    prop.SetValue(target, l.Items.Where(i => i is not null).Select(i => Scalar(i!, path)).ToList());
                    break;
                case ConfigMap m:
                    foreach (var (index, item, _) in Indexed(m, list.Count, path))
                    {
                        if (item is null)
                        {
                            continue;
                        }

                        var text = Scalar(item, $"{path}.{index}");
                        if (index == list.Count)
                        {
                            list.Add(text);
                        }
                        else
                        {
                            list[index] = text;
                        }
                    }

                    break;
            }
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var itemType = type.GetGenericArguments()[0];
            var list = (System.Collections.IList)prop.GetValue(target)!;
            switch (node)
            {
                case ConfigList l:
                    var fresh = (System.Collections.IList)Activator.CreateInstance(type)!;
                    for (var i = 0; i < l.Items.Count; i++)
                    {
                        if (l.Items[i] is not { } itemNode)
                        {
                            continue;
                        }

                        var item = Activator.CreateInstance(itemType)!;
                        Bind(item, AsMap(itemNode, $"{path}.{i}"), $"{path}.{i}", unknown);
                        fresh.Add(item);
                    }

                    prop.SetValue(target, fresh);
                    break;
                case ConfigMap m:
                    foreach (var (index, itemNode, _) in Indexed(m, list.Count, path))
                    {
                        if (itemNode is null)
                        {
                            continue;
                        }

                        if (index == list.Count)
                        {
                            list.Add(Activator.CreateInstance(itemType)!);
                        }

                        Bind(list[index]!, AsMap(itemNode, $"{path}.{index}"), $"{path}.{index}", unknown);
                    }

                    break;
                default:
                    throw Error(path, "expected a list of mappings", node);
            }
        }
        else
        {
            Bind(prop.GetValue(target)!, AsMap(node, path), path, unknown);
        }
    }

    /// <summary>The entries of a mapping used as "index → item", in ascending index order.</summary>
    private static IEnumerable<(int Index, ConfigNode? Item, int Line)> Indexed(ConfigMap map, int count, string path)
    {
        var items = new List<(int, ConfigNode?, int)>();
        foreach (var e in map.Entries)
        {
            if (!int.TryParse(e.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw Error($"{path}.{e.Key}", "is not a list index (expected a list or 0, 1, ...)", map, e.Line);
            }

            items.Add((index, e.Value, e.Line));
        }

        items.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        foreach (var (index, item, line) in items)
        {
            if (index > count)
            {
                throw Error($"{path}.{index}", $"index out of range (the list has {count} items; indexes must follow each other)", map, line);
            }

            if (index == count)
            {
                count++;
            }

            yield return (index, item, line);
        }
    }

    private static List<string> SplitList(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static string Scalar(ConfigNode node, string path) => node is ConfigScalar s
        ? s.Text
        : throw Error(path, $"expected a single value, not a {(node is ConfigList ? "list" : "mapping")}", node);

    private static ConfigMap AsMap(ConfigNode node, string path) => node as ConfigMap
        ?? throw Error(path, $"expected a mapping, not a {(node is ConfigList ? "list" : "value")}", node);

    private static ConfigurationException Error(string path, string problem, ConfigNode node, int line = 0)
    {
        var where = line > 0 ? $"{node.Source} line {line}" : node.Where;
        return new ConfigurationException($"{path}: {problem} ({where})");
    }

    private static string Join(string path, string key) => path.Length == 0 ? key.ToLowerInvariant() : $"{path}.{key.ToLowerInvariant()}";

    private static Dictionary<string, PropertyInfo> Properties(Type type)
    {
        var result = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<JsonPropertyNameAttribute>() is { } name && p.CanWrite)
            {
                result[name.Name] = p;
            }
        }

        return result;
    }
}
