using System.Collections;
using System.Globalization;

namespace Wharf.Server.Configuration;

public static partial class ConfigurationLoader
{
    /// <summary>The configuration file name used when none is given.</summary>
    public const string DefaultConfigFileName = "wharf";

    /// <summary>The name looked for when no <see cref="DefaultConfigFileName"/> file exists, so an SFTPGo config dir works as it is.</summary>
    public const string SftpgoConfigFileName = "sftpgo";

    /// <summary>Prefix of the environment variables that override options.</summary>
    public const string EnvironmentPrefix = "WHARF_";

    /// <summary>SFTPGo's prefix, accepted beside <see cref="EnvironmentPrefix"/> (which wins when both name one option).</summary>
    public const string SftpgoEnvironmentPrefix = "SFTPGO_";

    /// <summary>The formats read, by extension (SFTPGo's viper read the same ones).</summary>
    private static readonly (string Extension, Func<string, string, ConfigMap?> Read)[] Formats =
    [
        (".json", ConfigReaders.ReadJson),
        (".yaml", ConfigReaders.ReadYaml),
        (".yml", ConfigReaders.ReadYaml),
        (".toml", TomlReader.Read),
        (".hcl", HclReader.Read),
        (".properties", PropertiesReader.Read),
        (".props", PropertiesReader.Read),
        (".prop", PropertiesReader.Read),
    ];

    /// <summary>
    /// Extensions later versions of viper read that Wharf does not: a file with one of them next
    /// to the configuration's name is refused rather than ignored.
    /// </summary>
    private static readonly string[] UnsupportedExtensions = [".ini", ".tfvars", ".dotenv"];

    private static IEnumerable<string> Extensions => Formats.Select(f => f.Extension);

    public static partial WharfConfig Load(string configDirectory, string? configFile, IDictionary<string, string?>? environment)
    {
        var dir = Path.GetFullPath(string.IsNullOrEmpty(configDirectory) ? "." : configDirectory);
        var config = new WharfConfig { ConfigDirectory = dir };
        var (file, baseName) = string.IsNullOrWhiteSpace(configFile)
            ? FindDefaultConfigFile(dir, config.Warnings)
            : FindConfigFile(dir, configFile.Trim());
        config.ConfigFilePath = file;
        var unknown = new List<string>();

        if (file is not null)
        {
            var name = Path.GetFileName(file);
            var text = ReadText(file);
            var read = Formats.First(f => f.Extension.Equals(Path.GetExtension(file), StringComparison.OrdinalIgnoreCase)).Read;
            var map = read(text, name);
            if (map is not null)
            {
                ConfigBinder.Bind(config, map, "", unknown);
                ThrowUnknown(unknown, name);
            }
        }

        var envFile = Path.Combine(dir, baseName + ".env");
        if (File.Exists(envFile))
        {
            ApplyEnvironment(config, ConfigReaders.ReadEnvFile(ReadText(envFile), Path.GetFileName(envFile)), config.Warnings);
        }

        ApplyEnvironment(config, ProcessEnvironment(environment), config.Warnings);

        if (config.Sftpd.Banner.Length == 0)
        {
            config.Sftpd.Banner = SftpdConfig.DefaultBanner;
        }

        ConfigValidator.Validate(config);
        return config;
    }

    /// <summary>
    /// No name given: <c>wharf.*</c>, else SFTPGo's <c>sftpgo.*</c> (an SFTPGo config dir works as
    /// it is). When both exist, Wharf's is read and a warning says the other was not.
    /// </summary>
    private static (string? File, string BaseName) FindDefaultConfigFile(string dir, List<string> warnings)
    {
        var ours = FindConfigFile(dir, DefaultConfigFileName);
        var theirs = FindConfigFile(dir, SftpgoConfigFileName);
        if (ours.File is not null || File.Exists(Path.Combine(dir, DefaultConfigFileName + ".env")))
        {
            if (theirs.File is not null)
            {
                warnings.Add($"config file: {Path.GetFileName(theirs.File)} is not read: {Path.GetFileName(ours.File ?? DefaultConfigFileName + ".env")} is (name one with --config-file to choose)");
            }

            return ours;
        }

        return theirs.File is not null || File.Exists(Path.Combine(dir, SftpgoConfigFileName + ".env")) ? theirs : ours;
    }

    /// <summary>
    /// The file to read and the base name for the env file. A name with a known extension (.json,
    /// .yaml, .yml, .toml, .hcl, .properties, .props, .prop) names that file, which must exist; a
    /// name without one finds &lt;name&gt; with any of them, and more than one is an error, as is a
    /// file next to it in a format Wharf does not read (never silently skipped).
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
        // Not the bare name: the config dir is often where the wharf or sftpgo binary itself sits.
        var unsupported = UnsupportedExtensions.Select(e => Path.Combine(dir, name + e)).Where(File.Exists).ToList();
        if (unsupported.Count > 0)
        {
            throw new ConfigurationException(
                $"config file: {Path.GetFileName(unsupported[0])} in {dir} is not in a format Wharf reads ({string.Join(", ", Extensions)}; env files: {name}.env)");
        }

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
    /// Applies WHARF_&lt;SECTION&gt;__&lt;OPTION&gt;[__...] and SFTPGo's SFTPGO_... variables
    /// (case-insensitive), in path order with numeric segments compared as numbers, so list
    /// indexes come in order. When both prefixes name one option, WHARF_ wins and a warning says
    /// so. Variables without "__" after the prefix (WHARF_CONFIG_DIR and the like) are not options.
    /// </summary>
    private static void ApplyEnvironment(WharfConfig config, List<(string Key, string Value, string Source)> variables, List<string> warnings)
    {
        var byPath = new Dictionary<string, (string[] Path, string Value, string Source, bool Ours)>(StringComparer.Ordinal);
        foreach (var (key, value, source) in variables)
        {
            bool ours = key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase);
            if (!ours && !key.StartsWith(SftpgoEnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rest = key[(ours ? EnvironmentPrefix : SftpgoEnvironmentPrefix).Length..];
            if (!rest.Contains("__", StringComparison.Ordinal))
            {
                continue;
            }

            var path = rest.ToLowerInvariant().Split("__");
            var id = string.Join("__", path);
            if (byPath.TryGetValue(id, out var other) && other.Ours != ours)
            {
                var (wharf, sftpgo) = ours ? (source, other.Source) : (other.Source, source);
                warnings.Add($"{wharf} and {sftpgo} both set {string.Join(".", path)}: the {EnvironmentPrefix} one is used");
                if (!ours)
                {
                    continue;
                }
            }

            byPath[id] = (path, value, source, ours);
        }

        var options = byPath.Values.Select(v => (v.Path, v.Value, v.Source)).ToList();

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
