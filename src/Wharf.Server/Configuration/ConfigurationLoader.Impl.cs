using System.Collections;
using System.Globalization;

namespace Wharf.Server.Configuration;

public static partial class ConfigurationLoader
{
    /// <summary>The configuration file name used when none is given.</summary>
    public const string DefaultConfigFileName = "wharf";

    /// <summary>Prefix of the environment variables that override options.</summary>
    public const string EnvironmentPrefix = "WHARF_";

    private static readonly string[] Extensions = [".json", ".yaml", ".yml"];

    public static partial WharfConfig Load(string configDirectory, string? configFile, IDictionary<string, string?>? environment)
    {
        var dir = Path.GetFullPath(string.IsNullOrEmpty(configDirectory) ? "." : configDirectory);
        var (file, baseName) = FindConfigFile(dir, string.IsNullOrWhiteSpace(configFile) ? DefaultConfigFileName : configFile.Trim());
        var config = new WharfConfig { ConfigDirectory = dir, ConfigFilePath = file };
        var unknown = new List<string>();

        if (file is not null)
        {
            var name = Path.GetFileName(file);
            var text = ReadText(file);
            var map = Path.GetExtension(file).Equals(".json", StringComparison.OrdinalIgnoreCase)
                ? ConfigReaders.ReadJson(text, name)
                : ConfigReaders.ReadYaml(text, name);
            if (map is not null)
            {
                ConfigBinder.Bind(config, map, "", unknown);
                ThrowUnknown(unknown, name);
            }
        }

        var envFile = Path.Combine(dir, baseName + ".env");
        if (File.Exists(envFile))
        {
            ApplyEnvironment(config, ConfigReaders.ReadEnvFile(ReadText(envFile), Path.GetFileName(envFile)));
        }

        ApplyEnvironment(config, ProcessEnvironment(environment));

        if (config.Sftpd.Banner.Length == 0)
        {
            config.Sftpd.Banner = SftpdConfig.DefaultBanner;
        }

        ConfigValidator.Validate(config);
        return config;
    }

    /// <summary>
    /// The file to read and the base name for the env file. A name with a .json, .yaml or .yml
    /// extension names that file, which must exist; a name without one finds &lt;name&gt;.json,
    /// &lt;name&gt;.yaml or &lt;name&gt;.yml, and more than one of them is an error.
    /// </summary>
    private static (string? File, string BaseName) FindConfigFile(string dir, string name)
    {
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            throw new ConfigurationException($"config file: '{name}' must be a file name inside the config dir, not a path");
        }

        var ext = Path.GetExtension(name);
        if (Extensions.Contains(ext, StringComparer.OrdinalIgnoreCase))
        {
            var path = Path.Combine(dir, name);
            return File.Exists(path)
                ? (path, Path.GetFileNameWithoutExtension(name))
                : throw new ConfigurationException($"config file: '{path}' does not exist");
        }

        var found = Extensions.Select(e => Path.Combine(dir, name + e)).Where(File.Exists).ToList();
        return found.Count switch
        {
            0 => (null, name),
            1 => (found[0], name),
            _ => throw new ConfigurationException(
                $"config file: {string.Join(" and ", found.Select(Path.GetFileName))} both exist in {dir}; keep only one"),
        };
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{path}: cannot be read: {ex.Message}", ex);
        }
    }

    private static List<(string Key, string Value, string Source)> ProcessEnvironment(IDictionary<string, string?>? environment)
    {
        var result = new List<(string, string, string)>();
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is not null)
                {
                    result.Add((k, v, "environment variable " + k));
                }
            }
        }
        else
        {
            foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            {
                if (e.Key is string k && e.Value is string v)
                {
                    result.Add((k, v, "environment variable " + k));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Applies WHARF_&lt;SECTION&gt;__&lt;OPTION&gt;[__...] variables (case-insensitive), in
    /// path order with numeric segments compared as numbers, so list indexes come in order.
    /// Variables without "__" after the prefix (WHARF_CONFIG_DIR and the like) are not options.
    /// </summary>
    private static void ApplyEnvironment(WharfConfig config, List<(string Key, string Value, string Source)> variables)
    {
        var options = new List<(string[] Path, string Value, string Source)>();
        foreach (var (key, value, source) in variables)
        {
            if (!key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rest = key[EnvironmentPrefix.Length..];
            if (!rest.Contains("__", StringComparison.Ordinal))
            {
                continue;
            }

            options.Add((rest.ToLowerInvariant().Split("__"), value, source));
        }

        options.Sort((a, b) => ComparePaths(a.Path, b.Path));
        var unknown = new List<string>();
        foreach (var (path, value, source) in options)
        {
            ConfigNode node = new ConfigScalar(source, 0, value);
            for (var i = path.Length - 1; i >= 0; i--)
            {
                var map = new ConfigMap(source, 0);
                map.Entries.Add(new ConfigMapEntry(path[i], 0, node));
                node = map;
            }

            ConfigBinder.Bind(config, (ConfigMap)node, "", unknown);
            if (unknown.Count > 0)
            {
                throw new ConfigurationException($"{source}: unknown option {string.Join(".", path)}");
            }
        }
    }

    private static int ComparePaths(string[] a, string[] b)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var na = int.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ia);
            var nb = int.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ib);
            var c = na && nb ? ia.CompareTo(ib) : string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private static void ThrowUnknown(List<string> unknown, string source)
    {
        if (unknown.Count > 0)
        {
            throw new ConfigurationException(
                $"{source}: unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)}");
        }
    }
}
