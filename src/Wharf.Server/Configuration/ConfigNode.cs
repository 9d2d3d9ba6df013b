namespace Wharf.Server.Configuration;

/// <summary>
/// A source-neutral configuration tree (from JSON, YAML or environment variables). Scalars keep
/// their text; the binder converts them to the option's type.
/// </summary>
internal abstract class ConfigNode(string source, int line)
{
    /// <summary>Where the node comes from: a file name or an environment variable.</summary>
    public string Source { get; } = source;

    /// <summary>1-based line in <see cref="Source"/>, or 0 when unknown.</summary>
    public int Line { get; } = line;

    public string Where => Line > 0 ? $"{Source} line {Line}" : Source;
}

internal sealed class ConfigMap(string source, int line) : ConfigNode(source, line)
{
    public List<ConfigMapEntry> Entries { get; } = [];
}

internal readonly record struct ConfigMapEntry(string Key, int Line, ConfigNode? Value);

internal sealed class ConfigList(string source, int line) : ConfigNode(source, line)
{
    public List<ConfigNode?> Items { get; } = [];
}

internal sealed class ConfigScalar(string source, int line, string text) : ConfigNode(source, line)
{
    public string Text { get; } = text;
}
