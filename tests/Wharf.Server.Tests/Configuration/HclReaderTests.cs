using System.Text;
using Wharf.Server.Configuration;

namespace Wharf.Server.Tests.Configuration;

public sealed class HclReaderTests
{
    private const string File = "wharf.hcl";

    private static ConfigMap Read(string text) => HclReader.Read(text, File) ?? throw new InvalidOperationException("no tree");

    /// <summary>Reading fails with "wharf.hcl: line {line}: ..." holding <paramref name="part"/>.</summary>
    private static void Fails(string text, int line, string part)
    {
        var ex = Assert.Throws<ConfigurationException>(() => HclReader.Read(text, File));
        Assert.StartsWith($"{File}: line {line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(part, ex.Message, StringComparison.Ordinal);
    }

    private static ConfigNode? Get(ConfigMap map, params string[] path)
    {
        ConfigNode? node = map;
        foreach (var key in path)
        {
            var entries = Assert.IsType<ConfigMap>(node).Entries.Where(e => e.Key == key).ToList();
            node = Assert.Single(entries).Value;
        }

        return node;
    }

    private static string Text(ConfigMap map, params string[] path) => Assert.IsType<ConfigScalar>(Get(map, path)).Text;

    private static ConfigMapEntry Entry(ConfigMap map, string key) => Assert.Single(map.Entries, e => e.Key == key);

    /// <summary>Asserts both trees have the same shape, keys (in order) and scalar texts; Source and Line are ignored.</summary>
    private static void AssertSameTree(ConfigNode? expected, ConfigNode? actual, string path = "")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.GetType().Name}");
                break;
            case ConfigScalar e:
                var a = Assert.IsType<ConfigScalar>(actual);
                Assert.True(e.Text == a.Text, $"{path}: expected '{e.Text}', got '{a.Text}'");
                break;
            case ConfigList e:
                var al = Assert.IsType<ConfigList>(actual);
                Assert.True(e.Items.Count == al.Items.Count, $"{path}: expected {e.Items.Count} items, got {al.Items.Count}");
                for (var i = 0; i < e.Items.Count; i++)
                {
                    AssertSameTree(e.Items[i], al.Items[i], $"{path}[{i}]");
                }

                break;
            case ConfigMap e:
                var am = Assert.IsType<ConfigMap>(actual);
                var ek = string.Join(",", e.Entries.Select(x => x.Key));
                var ak = string.Join(",", am.Entries.Select(x => x.Key));
                Assert.True(ek == ak, $"{path}: expected keys {ek}, got {ak}");
                for (var i = 0; i < e.Entries.Count; i++)
                {
                    AssertSameTree(e.Entries[i].Value, am.Entries[i].Value, path.Length == 0 ? e.Entries[i].Key : $"{path}.{e.Entries[i].Key}");
                }

                break;
            default:
                throw new InvalidOperationException(expected.GetType().Name);
        }
    }

    private static ConfigMap Json(string json) => ConfigReaders.ReadJson(json, "x.json")!;

    [Fact]
    public void TheComparerSeesDifferences()
    {
        var a = Json("""{ "a": { "b": 1, "c": ["x"] } }""");
        AssertSameTree(a, Json("""{ "a": { "b": 1, "c": ["x"] } }"""));
        Assert.ThrowsAny<Exception>(() => AssertSameTree(a, Json("""{ "a": { "b": 2, "c": ["x"] } }""")));
        Assert.ThrowsAny<Exception>(() => AssertSameTree(a, Json("""{ "a": { "b": 1, "c": ["x", "y"] } }""")));
        Assert.ThrowsAny<Exception>(() => AssertSameTree(a, Json("""{ "a": { "b": 1, "d": ["x"] } }""")));
        Assert.ThrowsAny<Exception>(() => AssertSameTree(a, Json("""{ "a": { "b": "1", "c": "x" } }""")));
    }

    [Fact]
    public void EmptyOrOnlyCommentsIsNull()
    {
        Assert.Null(HclReader.Read("", File));
        Assert.Null(HclReader.Read("  \n\t\r\n", File));
        Assert.Null(HclReader.Read("\uFEFF# only\n// comments\n/* and\n more */\n", File));
    }

    [Fact]
    public void ScalarsKeepTheirText()
    {
        var m = Read("""
            port = 2022
            neg = -5
            pos = +7
            zero = 0
            ratio = 1.5
            tiny = -2.5e-3
            big = 1E6
            on = true
            off = false
            name = "sftp \"server\""
            empty = ""
            """);
        Assert.Equal(
            ["port", "neg", "pos", "zero", "ratio", "tiny", "big", "on", "off", "name", "empty"],
            m.Entries.Select(e => e.Key));
        Assert.Equal(
            ["2022", "-5", "+7", "0", "1.5", "-2.5e-3", "1E6", "true", "false", "sftp \"server\"", ""],
            m.Entries.Select(e => Assert.IsType<ConfigScalar>(e.Value).Text));
        Assert.Equal(File, m.Entries[0].Value!.Source);
    }

    [Fact]
    public void DottedKeysMakeTheSameTreeAsBlocks()
    {
        var dotted = Read("""
            sftpd.bind_port = 2022
            "sftpd.bind_address" = "0.0.0.0"
            sftpd.actions.execute_on = ["upload"]
            "sftpd.actions.command" = "/bin/true"
            httpd.bind_port = 8080
            """);
        var blocks = Read("""
            sftpd {
              bind_port = 2022
              bind_address = "0.0.0.0"
              actions {
                execute_on = ["upload"]
                command = "/bin/true"
              }
            }
            httpd = { bind_port = 8080 }
            """);
        var json = Json("""
            { "sftpd": { "bind_port": 2022, "bind_address": "0.0.0.0",
                         "actions": { "execute_on": ["upload"], "command": "/bin/true" } },
              "httpd": { "bind_port": 8080 } }
            """);
        AssertSameTree(json, dotted);
        AssertSameTree(json, blocks);
        Assert.Equal("/bin/true", Text(dotted, "sftpd", "actions", "command"));
    }

    [Fact]
    public void DottedKeysAndBlocksMergeInOneFile()
    {
        var m = Read("""
            sftpd.bind_port = 2022
            sftpd {
              bind_address = "::"
              actions.command = "run"
            }
            sftpd.actions {
              execute_on = ["download"]
            }
            data_provider.actions { command = "x" }
            data_provider { driver = "sqlite" }
            sftpd.idle_timeout = 30
            """);
        AssertSameTree(Json("""
            { "sftpd": { "bind_port": 2022, "bind_address": "::",
                         "actions": { "command": "run", "execute_on": ["download"] },
                         "idle_timeout": 30 },
              "data_provider": { "actions": { "command": "x" }, "driver": "sqlite" } }
            """), m);
    }

    [Fact]
    public void KeysMatchCaseInsensitivelyAndKeepTheFirstSpelling()
    {
        var m = Read("""
            Sftpd.bind_port = 2022
            sftpd { banner = "hi" }
            """);
        var e = Assert.Single(m.Entries);
        Assert.Equal("Sftpd", e.Key);
        Assert.Equal(["bind_port", "banner"], Assert.IsType<ConfigMap>(e.Value).Entries.Select(x => x.Key));
        Fails("sftpd.bind_port = 1\nSFTPD.BIND_PORT = 2\n", 2, "is set twice (line 1 and line 2)");
    }

    [Fact]
    public void SftpgoSettingsAsDottedKeysMatchTheJson()
    {
        // Every option of SFTPGo 0.9's configuration (our rendering; values changed from its defaults
        // so that a misread shows), the configuration the HCL below restates
        var json = """
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
        var hcl = """
            # the same settings, as SFTPGo's viper read them from HCL
            "sftpd.bind_port" = 2222
            "sftpd.bind_address" = ""
            "sftpd.idle_timeout" = 30
            "sftpd.max_auth_tries" = 4
            "sftpd.umask" = "0027"
            "sftpd.banner" = "Hello"
            "sftpd.upload_mode" = 0
            "sftpd.actions.execute_on" = []
            "sftpd.actions.command" = ""
            "sftpd.actions.http_notification_url" = ""
            "sftpd.keys" = []
            "sftpd.enable_scp" = false
            "sftpd.kex_algorithms" = []
            "sftpd.ciphers" = []
            "sftpd.macs" = []
            "sftpd.login_banner_file" = ""
            "sftpd.setstat_mode" = 0
            "sftpd.enabled_ssh_commands" = ["md5sum", "sha1sum", "cd", "pwd"]

            data_provider.driver = "sqlite"
            data_provider.name = "sftpgo.db"
            data_provider.host = ""
            data_provider.port = 5433
            data_provider.username = ""
            data_provider.password = ""
            data_provider.sslmode = 0
            data_provider.connection_string = ""
            data_provider.users_table = "users"
            data_provider.manage_users = 1
            data_provider.track_quota = 2
            data_provider.pool_size = 3
            data_provider.users_base_dir = ""
            data_provider.actions.execute_on = []
            data_provider.actions.command = ""
            data_provider.actions.http_notification_url = ""

            httpd.bind_port = 8081
            httpd.bind_address = "127.0.0.1"
            httpd.templates_path = "templates"
            httpd.static_files_path = "static"
            httpd.backups_path = "backups"
            """;
        var fromJson = ConfigReaders.ReadJson(json, "sftpgo.json");
        var fromHcl = Read(hcl);
        AssertSameTree(fromJson, fromHcl);
        Assert.Equal("2", Text(fromHcl, "data_provider", "track_quota"));
        Assert.Equal("0027", Text(fromHcl, "sftpd", "umask"));
        Assert.Equal(4, Assert.IsType<ConfigList>(Get(fromHcl, "sftpd", "enabled_ssh_commands")).Items.Count);
    }

    [Fact]
    public void Lists()
    {
        var m = Read("""
            strings = ["a", "b,c", "d"]
            empty = []
            trailing = [1, 2,]
            spread = [
              "x",   # a comment
              "y",
            ]
            nested = [[1], []]
            keys = [
              { private_key = "id_ed25519" },
              {
                private_key = "id_rsa"
                comment = "second"
              },
              {},
            ]
            """);
        AssertSameTree(Json("""
            { "strings": ["a", "b,c", "d"], "empty": [], "trailing": [1, 2], "spread": ["x", "y"],
              "nested": [[1], []],
              "keys": [ { "private_key": "id_ed25519" }, { "private_key": "id_rsa", "comment": "second" }, {} ] }
            """), m);
        var keys = Assert.IsType<ConfigList>(Get(m, "keys"));
        Assert.Equal(9, keys.Line);
        Assert.Equal(10, keys.Items[0]!.Line);
        Assert.Equal(11, keys.Items[1]!.Line);
        Assert.Equal(13, Assert.IsType<ConfigMap>(keys.Items[1]).Entries[1].Line);
    }

    [Fact]
    public void ObjectsSeparateEntriesWithNewlinesOrCommas()
    {
        var m = Read("""
            a = { x = 1, y = "2" }
            b = {
              x = 1,
              y = 2
            }
            c { d { e = true }, f = false }
            """);
        AssertSameTree(Json("""
            { "a": { "x": 1, "y": "2" }, "b": { "x": 1, "y": 2 }, "c": { "d": { "e": true }, "f": false } }
            """), m);
    }

    [Fact]
    public void WhitespaceAndNewlinesBetweenTokens()
    {
        var m = Read("a\n=\n\n5\nb\n{\nc\n=\n[\n1\n,\n2\n]\n}\n");
        AssertSameTree(Json("""{ "a": 5, "b": { "c": [1, 2] } }"""), m);
        Assert.Equal(1, Entry(m, "a").Line);
        Assert.Equal(4, Get(m, "a")!.Line);
        Assert.Equal(5, Entry(m, "b").Line);
        Assert.Equal(6, Get(m, "b")!.Line);
    }

    [Fact]
    public void EntriesAndNodesCarryTheirLines()
    {
        var m = Read("""
            # header

            sftpd.bind_port = 2022
            sftpd {
              banner = "x"
              actions {
                command = "c"
              }
            }
            """);
        Assert.Equal(1, m.Line);
        var sftpd = Entry(m, "sftpd");
        Assert.Equal(3, sftpd.Line);
        Assert.Equal(3, sftpd.Value!.Line); // made by the dotted key first
        var s = (ConfigMap)sftpd.Value;
        Assert.Equal([3, 5, 6], s.Entries.Select(e => e.Line));
        Assert.Equal([3, 5, 6], s.Entries.Select(e => e.Value!.Line));
        Assert.Equal(7, Entry((ConfigMap)Entry(s, "actions").Value!, "command").Line);
        Assert.Equal(7, Get(m, "sftpd", "actions", "command")!.Line);
    }

    [Fact]
    public void Heredocs()
    {
        var m = Read("""
            banner = <<EOF
            Welcome
              to Wharf "quoted" \n not an escape
            EOF
            script = <<-SCRIPT
                #!/bin/sh
                  echo hi

                exit 0
                SCRIPT
            empty = <<E
            E
            after = 1
            """);
        Assert.Equal("Welcome\n  to Wharf \"quoted\" \\n not an escape\n", Text(m, "banner"));
        Assert.Equal("#!/bin/sh\n  echo hi\n\nexit 0\n", Text(m, "script"));
        Assert.Equal("", Text(m, "empty"));
        Assert.Equal("1", Text(m, "after"));
        Assert.Equal(1, Get(m, "banner")!.Line);
        Assert.Equal(5, Get(m, "script")!.Line);
        Assert.Equal(13, Entry(m, "after").Line);
    }

    [Fact]
    public void HeredocsAcceptCrLfLineEnds()
    {
        var m = Read("a = <<EOF\r\none\r\ntwo\r\nEOF\r\nb = \"x\"\r\n");
        Assert.Equal("one\ntwo\n", Text(m, "a"));
        Assert.Equal("x", Text(m, "b"));
        Assert.Equal(5, Entry(m, "b").Line);
    }

    [Fact]
    public void HeredocErrors()
    {
        Fails("a = 1\nb = <<EOF\nnever closed\nEOFX\n", 2, "heredoc is not closed");
        Fails("a = <<EOF", 1, "heredoc is not closed");
        Fails("a = << EOF\nx\nEOF\n", 1, "expected a heredoc anchor");
        Fails("a = <<EOF x\nEOF\n", 1, "must end its line");
    }

    [Fact]
    public void EveryEscape()
    {
        var m = Read("""
            s = "q\" b\\ n\n t\t r\r u\u00e9\u20AC pair\ud83d\ude00 $${x}"
            """);
        Assert.Equal("q\" b\\ n\n t\t r\r u\u00e9\u20ac pair\U0001F600 $${x}", Text(m, "s"));
    }

    [Fact]
    public void StringErrors()
    {
        Fails("a = 1\nb = \"\\x41\"\n", 2, "unknown escape \\ followed by 'x'");
        Fails("b = \"\\'\"\n", 1, "unknown escape");
        Fails("b = \"\\a\"\n", 1, "unknown escape");
        Fails("b = \"\\u12\"\n", 1, "four hexadecimal digits");
        Fails("b = \"\\u12G4\"\n", 1, "four hexadecimal digits");
        Fails("b = \"\\u+123\"\n", 1, "four hexadecimal digits");
        Fails("b = \"\\ud800\"\n", 1, "lone UTF-16 surrogate");
        Fails("b = \"\\ude00\\ud83d\"\n", 1, "lone UTF-16 surrogate");
        Fails("a = 1\n\nb = \"two\nlines\"\n", 3, "not closed on its line");
        Fails("a = 1\nb = \"open", 2, "not closed with \"");
        Fails("b = \"open\\", 1, "not closed with \"");
    }

    [Fact]
    public void Comments()
    {
        var m = Read("""
            # hash comment
            a = 1 # after a value
            // slash comment
            b = "not # a // comment /* here */" // after
            /* block
               comment = 5
            */ c = /* inline */ 3
            d = [1, /* in a list */ 2] # end
            """);
        AssertSameTree(Json("""{ "a": 1, "b": "not # a // comment /* here */", "c": 3, "d": [1, 2] }"""), m);
        Assert.Equal(7, Entry(m, "c").Line);
        Fails("a = 1\n/* never\nclosed\n", 2, "/* comment is not closed");
        Fails("a = 1 / 2\n", 1, "unexpected character '/'");
    }

    [Fact]
    public void KeySetTwice()
    {
        Fails("a = 1\nb = 2\na = 3\n", 3, "a is set twice (line 1 and line 3)");
        Fails("sftpd {\n  bind_port = 1\n}\n\n\n\nsftpd.bind_port = 2\n", 7, "sftpd.bind_port is set twice (line 2 and line 7)");
        Fails("\"sftpd.bind_port\" = 1\nsftpd {\n  bind_port = 2\n}\n", 3, "sftpd.bind_port is set twice (line 1 and line 3)");
        Fails("a.b.c = 1\na { b { c = 2 } }\n", 2, "a.b.c is set twice (line 1 and line 2)");
        Fails("k = [{ x = 1, x = 2 }]\n", 1, "k[0].x is set twice");
        Fails("o = { x = 1\n x = 2 }\n", 2, "o.x is set twice (line 1 and line 2)");
    }

    [Fact]
    public void RepeatedBlocks()
    {
        Fails("keys {\n  a = 1\n}\nkeys {\n  b = 2\n}\n", 4, "keys is given twice as a block (line 1 and line 4); for several, use a list: keys = [ { ... }, { ... } ]");
        Fails("sftpd { a = 1 }\nsftpd = { b = 2 }\n", 2, "sftpd is given twice as a block");
        Fails("sftpd.actions { a = 1 }\nsftpd { actions { b = 2 } }\n", 2, "sftpd.actions is given twice as a block (line 1 and line 2)");
        Fails("a {}\na {}\n", 2, "given twice as a block");
    }

    [Fact]
    public void ValueAndSection()
    {
        Fails("sftpd = 1\nsftpd.bind_port = 2\n", 2, "sftpd is used both as a value (line 1) and as a section (line 2)");
        Fails("sftpd.bind_port = 2\nsftpd = \"x\"\n", 2, "sftpd is used both as a section (line 1) and as a value (line 2)");
        Fails("a = [1]\na { b = 1 }\n", 2, "a is used both as a value (line 1) and as a section (line 2)");
        Fails("a { b = 1 }\na = []\n", 2, "a is used both as a section (line 1) and as a value (line 2)");
        Fails("a.b = 1\na.b.c = 2\n", 2, "a.b is used both as a value (line 1) and as a section (line 2)");
    }

    [Fact]
    public void SyntaxErrors()
    {
        Fails("a = 1\nb 2\n", 2, "expected '=' or '{' after the key b, found '2'");
        Fails("a = 1\nb\n", 2, "expected '=' or '{' after the key b, found the end of the file");
        Fails("a = 1\nb = \n", 2, "expected a value for b, found the end of the file");
        Fails("a = = 1\n", 1, "expected a value for a, found '='");
        Fails("a = ]\n", 1, "expected a value for a, found ']'");
        Fails("a = 1\n= 2\n", 2, "expected a key, found '='");
        Fails("a = 1\n}\n", 2, "unexpected '}'");
        Fails("{ a = 1 }\n", 1, "expected a key, found '{'");
        Fails("a = 1 b = 2\n", 1, "expected a newline or ',' before 'b'");
        Fails("a = 1,, b = 2\n", 1, "expected a key, found ','");
        Fails("o = { a = 1 b = 2 }\n", 1, "expected a newline or ','");
        Fails("a: 1\n", 1, "unexpected character ':'");
        Fails("a = 1\nb = [1 2]\n", 2, "expected ',' or ']' after an item of b, found '2'");
        Fails("a = [1,, 2]\n", 1, "expected a value for a[1], found ','");
        Fails("a = [1, 2}\n", 1, "expected ',' or ']' after an item of a, found '}'");
        Fails("a \"label\" { b = 1 }\n", 1, "block labels");
        Fails("a = 1\nb = \"x\" \"y\"\n", 2, "expected a newline or ','");
        Fails("\"a+b\" = 1\na+b = 1\n", 2, "'a+b' is not a valid key");
    }

    [Fact]
    public void BareWordsAreNotValues()
    {
        Fails("a = 1\nb = yes\n", 2, "'yes' is not a value for b");
        Fails("b = True\n", 1, "'True' is not a value");
        Fails("b = null\n", 1, "'null' is not a value");
        Fails("b = 0755\n", 1, "'0755' is not a value");
        Fails("b = 0x1F\n", 1, "'0x1F' is not a value");
        Fails("b = 1.\n", 1, "'1.' is not a value");
        Fails("b = .5\n", 1, "'.5' is not a value");
        Fails("b = 1e\n", 1, "'1e' is not a value");
        Fails("b = --1\n", 1, "'--1' is not a value");
        Fails("b = [ok]\n", 1, "'ok' is not a value for b[0]");
        Fails("b = /bin/sh\n", 1, "unexpected character '/'");
    }

    [Fact]
    public void UnterminatedContainers()
    {
        Fails("a = 1\nsftpd {\n  bind_port = 1\n", 2, "the { opened here for sftpd is not closed with }");
        Fails("a = {\n  b = 1\n", 1, "the { opened here for a is not closed");
        Fails("a = 1\nb = [\n  1,\n  2\n", 2, "the [ opened here for b is not closed with ]");
        Fails("b = [1,\n", 1, "the [ opened here for b is not closed");
        Fails("b = [\n", 1, "the [ opened here for b is not closed");
        Fails("b = [{ x = 1\n", 1, "the { opened here for b[0] is not closed");
    }

    [Fact]
    public void EmptyKeysAndSegments()
    {
        Fails("a = 1\n\"\" = 1\n", 2, "empty key");
        Fails("a..b = 1\n", 1, "the key 'a..b' has an empty part");
        Fails(".a = 1\n", 1, "the key '.a' has an empty part");
        Fails("a = 1\n\"a.\" = 1\n", 2, "the key 'a.' has an empty part");
        Fails("a { .b = 1 }\n", 1, "has an empty part");
        Fails("x. { b = 1 }\n", 1, "has an empty part");
    }

    [Fact]
    public void QuotedKeysMayHoldAnyCharacters()
    {
        var m = Read("\"my key\" = 1\n\"a b.c+d\" { e = 2 }\n");
        Assert.Equal("1", Text(m, "my key"));
        Assert.Equal("2", Text(m, "a b", "c+d", "e"));
    }

    private static int Depth(ConfigNode? node) => node switch
    {
        ConfigMap m => 1 + m.Entries.Select(e => Depth(e.Value)).DefaultIfEmpty(0).Max(),
        ConfigList l => 1 + l.Items.Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    [Fact]
    public void NestingIsBounded()
    {
        // 64 levels of sections or lists are fine, whichever way they are written (65 segments: 64 sections and a value)
        var ok = Read(string.Join(".", Enumerable.Range(0, 65).Select(i => $"k{i}")) + " = 1\n");
        ConfigNode? node = ok;
        for (var i = 0; i < 65; i++)
        {
            node = Assert.Single(Assert.IsType<ConfigMap>(node).Entries).Value;
        }

        Assert.Equal("1", Assert.IsType<ConfigScalar>(node).Text);
        Assert.Equal(65, Depth(ok)); // the top map and 64 sections
        Assert.Equal(65, Depth(Read(string.Concat(Enumerable.Repeat("a {\n", 64)) + string.Concat(Enumerable.Repeat("}\n", 64)))));
        Assert.Equal(65, Depth(Read("a = " + new string('[', 64) + new string(']', 64))));
        Assert.Equal(65, Depth(Read("a = " + string.Concat(Enumerable.Repeat("[{ b = ", 31)) + "[[]]" + string.Concat(Enumerable.Repeat("}]", 31)))));

        Fails(string.Join(".", Enumerable.Range(0, 66).Select(i => $"k{i}")) + " = 1\n", 1, "nested more than 64 levels deep");
        Fails("x = 1\n" + new StringBuilder().Insert(0, "a {\n", 65), 66, "nested more than 64 levels deep");
        Fails("a = " + new string('[', 65), 1, "nested more than 64 levels deep");
    }

    [Fact]
    public void HostileNestingFailsCleanly()
    {
        const int N = 1_000_000;
        Fails(new StringBuilder().Insert(0, "a {", N).ToString(), 1, "nested more than 64 levels deep");
        Fails("a = " + new StringBuilder().Insert(0, "[{ b = ", N), 1, "nested more than 64 levels deep");
        Fails("a = " + new string('[', N) + new string(']', N), 1, "nested more than 64 levels deep");
        Fails(new StringBuilder().Insert(0, "a.", N).Append("b = 1").ToString(), 1, "nested more than 64 levels deep");
    }
}
