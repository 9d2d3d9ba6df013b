using System.Text.Json;
using Wharf.Server.Configuration;

namespace Wharf.Server.Tests.Configuration;

public sealed class PropertiesReaderTests
{
    private const string File = "wharf.properties";

    private static ConfigMap Read(string text) => Assert.IsType<ConfigMap>(PropertiesReader.Read(text, File));

    private static ConfigurationException Fails(string text) =>
        Assert.Throws<ConfigurationException>(() => PropertiesReader.Read(text, File));

    /// <summary>The scalar at a dotted path (segments matched exactly).</summary>
    private static ConfigScalar At(ConfigMap map, string path)
    {
        ConfigNode node = map;
        foreach (var segment in path.Split('.'))
        {
            var entries = Assert.IsType<ConfigMap>(node).Entries;
            node = Assert.Single(entries, e => e.Key == segment).Value!;
        }

        return Assert.IsType<ConfigScalar>(node);
    }

    private static string Value(string text, string path = "k") => At(Read(text), path).Text;

    /// <summary>
    /// Every scalar leaf by dotted path. A list's items are at path.0, path.1, ... (so an empty list
    /// has no leaf), which is how indexed properties keys come out of the reader as maps.
    /// </summary>
    private static SortedDictionary<string, string> Leaves(ConfigNode node)
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(ConfigNode? n, string path)
        {
            switch (n)
            {
                case ConfigScalar s:
                    leaves.Add(path, s.Text);
                    break;
                case ConfigMap m:
                    foreach (var e in m.Entries)
                    {
                        Walk(e.Value, path.Length == 0 ? e.Key : $"{path}.{e.Key}");
                    }

                    break;
                case ConfigList l:
                    for (var i = 0; i < l.Items.Count; i++)
                    {
                        Walk(l.Items[i], $"{path}.{i}");
                    }

                    break;
                case null:
                    leaves.Add(path, "<null>");
                    break;
            }
        }

        Walk(node, "");
        return leaves;
    }

    // Every option of SFTPGo 0.9's configuration (our rendering; values changed from its defaults so a misread shows).
    private const string SftpgoJson = """
        {
          "sftpd": {
            "bind_port": 2222,
            "bind_address": "",
            "idle_timeout": 30,
            "max_auth_tries": 4,
            "umask": "0027",
            "banner": "Hello",
            "upload_mode": 0,
            "actions": {
              "execute_on": [],
              "command": "",
              "http_notification_url": ""
            },
            "keys": [],
            "enable_scp": false,
            "kex_algorithms": [],
            "ciphers": [],
            "macs": [],
            "login_banner_file": "",
            "setstat_mode": 0,
            "enabled_ssh_commands": ["md5sum", "sha1sum", "cd", "pwd"]
          },
          "data_provider": {
            "driver": "sqlite",
            "name": "sftpgo.db",
            "host": "",
            "port": 5433,
            "username": "",
            "password": "",
            "sslmode": 0,
            "connection_string": "",
            "users_table": "users",
            "manage_users": 1,
            "track_quota": 2,
            "pool_size": 3,
            "users_base_dir": "",
            "actions": {
              "execute_on": [],
              "command": "",
              "http_notification_url": ""
            }
          },
          "httpd": {
            "bind_port": 8081,
            "bind_address": "127.0.0.1",
            "templates_path": "templates",
            "static_files_path": "static",
            "backups_path": "backups"
          }
        }
        """;

    // The same as properties. Empty lists are left out (a properties file has no empty list; an
    // absent option keeps its default, which is empty for these). {0} is enabled_ssh_commands.
    private const string SftpgoProperties = """
        # the same settings, as sftpgo.properties
        sftpd.bind_port = 2222
        sftpd.bind_address =
        sftpd.idle_timeout = 30
        sftpd.max_auth_tries = 4
        sftpd.umask = 0027
        sftpd.banner = Hello
        sftpd.upload_mode = 0
        sftpd.actions.command =
        sftpd.actions.http_notification_url =
        sftpd.enable_scp = false
        sftpd.login_banner_file =
        sftpd.setstat_mode = 0
        {0}

        data_provider.driver = sqlite
        data_provider.name = sftpgo.db
        data_provider.host =
        data_provider.port = 5433
        data_provider.username =
        data_provider.password =
        data_provider.sslmode = 0
        data_provider.connection_string =
        data_provider.users_table = users
        data_provider.manage_users = 1
        data_provider.track_quota = 2
        data_provider.pool_size = 3
        data_provider.users_base_dir =
        data_provider.actions.command =
        data_provider.actions.http_notification_url =

        httpd.bind_port = 8081
        httpd.bind_address = 127.0.0.1
        httpd.templates_path = templates
        httpd.static_files_path = static
        httpd.backups_path = backups
        """;

    private static string SftpgoPropertiesWith(string sshCommands) => SftpgoProperties.Replace("{0}", sshCommands, StringComparison.Ordinal);

    [Fact]
    public void SftpgoSettingsGiveTheSameLeavesAsTheJson()
    {
        // The list is written with indexed keys, which the reader turns into a map "0".."3"; Leaves
        // puts the JSON list's items at the same paths. Empty JSON lists have no leaf, like the
        // options the properties file leaves out.
        var properties = Read(SftpgoPropertiesWith("""
            sftpd.enabled_ssh_commands.0 = md5sum
            sftpd.enabled_ssh_commands.1 = sha1sum
            sftpd.enabled_ssh_commands.2 = cd
            sftpd.enabled_ssh_commands.3 = pwd
            """));
        var json = ConfigReaders.ReadJson(SftpgoJson, "sftpgo.json")!;

        var expected = Leaves(json);
        Assert.Equal(36, expected.Count);
        Assert.Equal(expected, Leaves(properties));
        Assert.Equal("sftpgo.db", At(properties, "data_provider.name").Text);
        Assert.Equal("", At(properties, "sftpd.login_banner_file").Text);
    }

    [Fact]
    public void SftpgoSettingsWithACommaListBindLikeTheJson()
    {
        // As a comma list the value is one scalar "md5sum,sha1sum,cd,pwd", which the binder splits
        // (viper's StringToSliceHookFunc(",")); so compare what binding both trees gives.
        var properties = Read(SftpgoPropertiesWith("sftpd.enabled_ssh_commands = md5sum, sha1sum,cd,pwd"));
        Assert.Equal("md5sum, sha1sum,cd,pwd", At(properties, "sftpd.enabled_ssh_commands").Text);

        static (string Config, List<string> Unknown) Bind(ConfigMap map)
        {
            var config = new WharfConfig();
            config.Sftpd.EnabledSshCommands = ["not", "the", "default"];
            var unknown = new List<string>();
            ConfigBinder.Bind(config, map, "", unknown);
            return (JsonSerializer.Serialize(config), unknown.Select(u => u.Split(' ')[0]).ToList());
        }

        var (fromJson, unknownJson) = Bind(ConfigReaders.ReadJson(SftpgoJson, "sftpgo.json")!);
        var (fromProperties, unknownProperties) = Bind(properties);
        Assert.Equal(fromJson, fromProperties);
        Assert.Equal(unknownJson, unknownProperties);
        Assert.Contains("\"md5sum\",\"sha1sum\",\"cd\",\"pwd\"", fromProperties, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k=v")]
    [InlineData("k = v")]
    [InlineData("k:v")]
    [InlineData("k : v")]
    [InlineData("k v")]
    [InlineData("k\tv")]
    [InlineData("k\fv")]
    [InlineData("k \t = \f v")]
    [InlineData("k=\t v")]
    [InlineData("   k = v")]
    [InlineData("\tk:v")]
    public void EverySeparatorForm(string line) => Assert.Equal("v", Value(line));

    [Theory]
    [InlineData("k = = v", "= v")]
    [InlineData("k := v", "= v")]
    [InlineData("k::v", ":v")]
    [InlineData("k v = w", "v = w")]
    [InlineData("k = a:b=c d", "a:b=c d")]
    [InlineData("k = v  ", "v  ")] // trailing blanks belong to the value, as in Java
    [InlineData("k = a # not a comment", "a # not a comment")]
    public void OnlyTheFirstSeparatorCounts(string line, string value) => Assert.Equal(value, Value(line));

    [Theory]
    [InlineData("sftpd.banner =")]
    [InlineData("sftpd.banner=")]
    [InlineData("sftpd.banner :   ")]
    [InlineData("sftpd.banner")] // a key alone: Java's key with the empty value
    [InlineData("sftpd.banner   ")]
    public void EmptyValueIsTheEmptyString(string line)
    {
        var scalar = At(Read(line + "\nother = 1"), "sftpd.banner");
        Assert.Equal("", scalar.Text);
        Assert.Equal(1, scalar.Line);
    }

    [Fact]
    public void Continuations()
    {
        var map = Read("""
            a = one \
                two, \
              three
            b = x\\
            c = y\\\
              z
            d = first\

            e = 1
            f = p\
            # not a comment
            sec\
              tion.key = joined
            g = \u00\
               e9
            """);
        Assert.Equal("one two, three", At(map, "a").Text);
        Assert.Equal(@"x\", At(map, "b").Text); // an even number of backslashes does not continue
        Assert.Equal(@"y\z", At(map, "c").Text);
        Assert.Equal("first", At(map, "d").Text); // a blank continuation line ends the value
        Assert.Equal("p# not a comment", At(map, "f").Text);
        Assert.Equal("joined", At(map, "section.key").Text);
        Assert.Equal("é", At(map, "g").Text);
        Assert.Equal([1, 4, 5, 7, 9, 10, 12, 14], map.Entries.Select(e => e.Line));
        Assert.Equal(9, At(map, "e").Line);
    }

    [Fact]
    public void ACommentLineDoesNotContinue()
    {
        var map = Read("# comment \\\na = 1\n! other \\\nb = 2");
        Assert.Equal(["a", "b"], map.Entries.Select(e => e.Key));
        Assert.Equal([2, 4], map.Entries.Select(e => e.Line));
    }

    [Theory]
    [InlineData("a = 1\r\nb = 2\r\nc = 3\\\r\n  4")]
    [InlineData("a = 1\rb = 2\rc = 3\\\r  4")]
    [InlineData("a = 1\nb = 2\r\nc = 3\\\r  4\n")]
    public void LineEndings(string text)
    {
        var map = Read(text);
        Assert.Equal("1", At(map, "a").Text);
        Assert.Equal("2", At(map, "b").Text);
        Assert.Equal("34", At(map, "c").Text);
        Assert.Equal([1, 2, 3], map.Entries.Select(e => e.Line));
    }

    [Theory]
    [InlineData(@"k = a\tb", "a\tb")]
    [InlineData(@"k = a\nb", "a\nb")]
    [InlineData(@"k = a\rb", "a\rb")]
    [InlineData(@"k = a\fb", "a\fb")]
    [InlineData(@"k = a\\b", @"a\b")]
    [InlineData(@"k = a\=b", "a=b")]
    [InlineData(@"k = a\:b", "a:b")]
    [InlineData(@"k = a\#b", "a#b")]
    [InlineData(@"k = a\!b", "a!b")]
    [InlineData(@"k = a\ b", "a b")]
    [InlineData(@"k = \ \ lead", "  lead")]
    [InlineData(@"k = \u0041\u00e9\u00E9", "Aéé")]
    [InlineData(@"k = \uD83D\uDE00", "😀")]
    [InlineData(@"k = \b\q\z", "bqz")] // any other \c is c, as in Java
    [InlineData(@"k = é ✓ 😀 日本", "é ✓ 😀 日本")] // UTF-8 text, not ISO-8859-1
    [InlineData(@"k = trailing\ ", "trailing ")]
    public void EveryEscape(string line, string value) => Assert.Equal(value, Value(line));

    [Fact]
    public void EscapesInKeys()
    {
        var map = Read(@"a\=b\:c\ d\#\!\\\u0065 = x");
        Assert.Equal(@"a=b:c d#!\e", Assert.Single(map.Entries).Key);
        Assert.Equal("x", Value(@"\u006b = x"));
        Assert.Equal("x", Value(@"\#k = x", "#k"));
        Assert.Equal("x", Value(@"\!k = x", "!k"));
    }

    [Fact]
    public void AnEscapedDotStillSplitsTheKey() => Assert.Equal("1", Value(@"a\.b = 1", "a.b"));

    [Fact]
    public void Comments()
    {
        var map = Read("""
            # a comment
            ! another
               # indented
            	! after a tab
            #no space
            a = 1
            """);
        var entry = Assert.Single(map.Entries);
        Assert.Equal("a", entry.Key);
        Assert.Equal(6, entry.Line);
    }

    [Fact]
    public void DottedKeysBuildNestedMapsWithLines()
    {
        var map = Read("""
            sftpd.bind_port = 2022

            sftpd.keys.0.private_key = id_rsa
            httpd.bind_port = 8080
            sftpd.keys.1.private_key = id_ed25519
            sftpd.actions.execute_on = upload,download
            """);
        Assert.Equal(1, map.Line);
        Assert.Equal(File, map.Source);
        Assert.Equal([("sftpd", 1), ("httpd", 4)], map.Entries.Select(e => (e.Key, e.Line)));

        var sftpd = Assert.IsType<ConfigMap>(map.Entries[0].Value);
        Assert.Equal(1, sftpd.Line);
        Assert.Equal([("bind_port", 1), ("keys", 3), ("actions", 6)], sftpd.Entries.Select(e => (e.Key, e.Line)));

        var keys = Assert.IsType<ConfigMap>(sftpd.Entries[1].Value);
        Assert.Equal([("0", 3), ("1", 5)], keys.Entries.Select(e => (e.Key, e.Line)));

        var port = At(map, "sftpd.bind_port");
        Assert.Equal(("2022", 1, File), (port.Text, port.Line, port.Source));
        Assert.Equal(5, At(map, "sftpd.keys.1.private_key").Line);
        Assert.Equal("id_ed25519", At(map, "sftpd.keys.1.private_key").Text);
        Assert.Equal("upload,download", At(map, "sftpd.actions.execute_on").Text); // the binder splits it
    }

    [Fact]
    public void SectionsCompareCaseInsensitivelyAndKeepTheFirstSpelling()
    {
        var map = Read("Sftpd.Bind_Port = 1\nsftpd.idle_timeout = 2");
        var sftpd = Assert.IsType<ConfigMap>(Assert.Single(map.Entries).Value);
        Assert.Equal("Sftpd", map.Entries[0].Key);
        Assert.Equal(["Bind_Port", "idle_timeout"], sftpd.Entries.Select(e => e.Key));
    }

    [Fact]
    public void ReferencesAreExpanded()
    {
        var map = Read("""
            base = /srv/${name}
            name = wharf
            home = ${base}/home
            keys.dir = ${home}/keys
            both = ${name}-${name}${name}
            key = ${keys.dir}/id_rsa
            case = ${NAME}
            """);
        Assert.Equal("/srv/wharf", At(map, "base").Text);
        Assert.Equal("/srv/wharf/home", At(map, "home").Text);
        Assert.Equal("/srv/wharf/home/keys", At(map, "keys.dir").Text);
        Assert.Equal("wharf-wharfwharf", At(map, "both").Text);
        Assert.Equal("/srv/wharf/home/keys/id_rsa", At(map, "key").Text);
        Assert.Equal("wharf", At(map, "case").Text);
        Assert.Equal(1, At(map, "base").Line);
    }

    [Theory]
    [InlineData(@"k = \${name}", "${name}")]
    [InlineData(@"k = $\{name}", "${name}")]
    [InlineData(@"k = \u0024{name}", "${name}")]
    [InlineData("k = $name", "$name")]
    [InlineData("k = costs 5$", "costs 5$")]
    [InlineData("k = $$", "$$")]
    [InlineData("k = {name}", "{name}")]
    [InlineData("k = $${name}", "$wharf")]
    [InlineData(@"k = ${na\me}", "wharf")]
    [InlineData("k = ${literal}", "${x}")] // an expanded value is not expanded again
    public void LiteralDollars(string line, string value) =>
        Assert.Equal(value, Value(line + "\nname = wharf\nliteral = \\${x}"));

    [Theory]
    [InlineData("a = 1\nb = ${c}", 2, "'b' refers to '${c}', but 'c' is not a key with a value in this file")]
    [InlineData("a = 1\nb = x\\\n  ${c}", 3, "'b' refers to '${c}'")]
    [InlineData("sftpd.port = 1\nb = ${sftpd}", 2, "'sftpd' is not a key with a value")]
    [InlineData("a = ${ b}\nb = 1", 1, "'a' refers to '${ b}'")]
    [InlineData("a = 1\nb = ${a", 2, "'${' without its closing '}'")]
    [InlineData("a = 1\nb = ${a\\}", 2, "'${' without its closing '}'")]
    [InlineData("a = 1\nb = x${}", 2, "'${}' names no key")]
    public void BadReferences(string text, int line, string problem)
    {
        var e = Fails(text);
        Assert.StartsWith($"{File}: line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x = 0\na = ${a}", 2, "circular reference: a -> a")]
    [InlineData("x = 0\na = ${b}\nb = ${a}", 2, "circular reference: a -> b -> a")]
    [InlineData("x = ${a}\na = 1${b}\nb = ${c}2\nc = ${a}", 2, "circular reference: a -> b -> c -> a")]
    public void CircularReferences(string text, int line, string problem)
    {
        var e = Fails(text);
        Assert.Equal($"{File}: line {line}: {problem}", e.Message);
    }

    [Theory]
    [InlineData("a = 1\nb = 2\na = 3", 3, "'a' is given twice (lines 1 and 3)")]
    [InlineData("sftpd.port = 1\nSFTPD.Port = 2", 2, "'SFTPD.Port' is given twice (lines 1 and 2)")]
    [InlineData("a = 1\na", 2, "'a' is given twice (lines 1 and 2)")]
    [InlineData("a.b = 1\n\na.b.c = 2", 3, "'a.b.c' uses 'a.b' as a section, but line 1 gives 'a.b' a value")]
    [InlineData("x = 0\na.b.c = 2\na.b = 1", 3, "'a.b' is given a value, but line 2 uses it as a section")]
    [InlineData("a = 1\na.b = 2", 2, "'a.b' uses 'a' as a section, but line 1 gives 'a' a value")]
    [InlineData("a = 1\n=x", 2, "the key is missing")]
    [InlineData("a = 1\n  : x", 2, "the key is missing")]
    [InlineData("a = 1\n = ", 2, "the key is missing")]
    [InlineData("a..b = 1", 1, "the key 'a..b' has an empty part")]
    [InlineData("x = 1\n.a = 1", 2, "the key '.a' has an empty part")]
    [InlineData("a. = 1", 1, "the key 'a.' has an empty part")]
    [InlineData("a. b = 1", 1, "the key 'a.' has an empty part")]
    [InlineData("a = 1\nb = \\u12", 2, @"malformed escape '\u12'")]
    [InlineData("a = 1\nb = \\u12G4", 2, @"malformed escape '\u12G4'")]
    [InlineData("a = 1\nb = x\\\n  y\\u", 3, @"malformed escape '\u'")]
    [InlineData("a = 1\nb\\u00 = 1", 2, @"malformed escape '\u00 ='")]
    [InlineData("a = 1\nb = \\uD83D", 2, @"\uD83D is half of a surrogate pair")]
    [InlineData("a = 1\nb = \\uDE00\\uD83D", 2, @"\uDE00 is half of a surrogate pair")]
    [InlineData("a = 1\n${a}.b = 1", 2, "'${' in a key")]
    [InlineData("a = 1\nb = 2\\", 2, "the line ends in a continuation backslash, but it is the last line")]
    [InlineData("a = 1\\\n  2\\", 2, "the line ends in a continuation backslash")]
    public void StrictErrors(string text, int line, string problem)
    {
        var e = Fails(text);
        Assert.StartsWith($"{File}: line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n\t\f\n")]
    [InlineData("# only\n! comments\n   # indented \\\n")]
    [InlineData("\uFEFF")]
    [InlineData("\r\n\r\n")]
    public void NothingButBlanksAndCommentsIsNull(string text) => Assert.Null(PropertiesReader.Read(text, File));

    [Fact]
    public void AByteOrderMarkIsSkipped() => Assert.Equal("1", Value("\uFEFFk = 1"));
}
