using System.Text.RegularExpressions;
using Wharf.Server.Configuration;

namespace Wharf.Server.Tests.Configuration;

/// <summary>The examples in docs/configuration.md load as documented.</summary>
public sealed class ConfigurationDocsTests
{
    private static string Example(string language)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docs", "configuration.md")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var text = File.ReadAllText(Path.Combine(dir.FullName, "docs", "configuration.md"));
        return Regex.Match(text, "```" + language + "\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
    }

    [Fact]
    public void JsonExampleIsTheDefaults()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", Example("json"));
        var fromFile = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>());
        using var empty = new ConfigDir();
        var defaults = ConfigurationLoader.Load(empty.Path, null, new Dictionary<string, string?>());
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(defaults),
            System.Text.Json.JsonSerializer.Serialize(fromFile));
    }

    [Fact]
    public void YamlExampleAndEnvironmentLoad()
    {
        using var dir = new ConfigDir();
        dir.Write("id_ed25519", "key");
        dir.Write("id_rsa", "key");
        var secret = dir.Write("host_rsa", "key");
        dir.Write("wharf.yaml", Example("yaml"));
        var env = Example("sh").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => (string?)p[1]);
        env["WHARF_SFTPD__KEYS__1__PRIVATE_KEY"] = secret;
        var c = ConfigurationLoader.Load(dir.Path, null, env);
        Assert.Equal(2222, c.Sftpd.BindPort);
        Assert.Equal("10.0.0.5", c.Sftpd.BindAddress);
        Assert.Equal(["id_ed25519", secret], c.Sftpd.Keys.Select(k => k.PrivateKey));
        Assert.Equal("postgresql", c.DataProvider.Driver);
        Assert.Equal("s3cret", c.DataProvider.Password);
        Assert.Equal(0, c.Httpd.BindPort);
    }
}
