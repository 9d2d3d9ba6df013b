using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using Wharf.Server.Accounts;
using Wharf.Server.Commands;
using Wharf.Server.Commands.Scp;
using Wharf.Server.Commands.System;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Http;
using Wharf.Server.Http.Api;

namespace Wharf.Fuzz;

/// <summary>Targets for the application's parsers: SCP, command lines, configuration, REST bodies.</summary>
internal static class ServerTargets
{
    public static IEnumerable<Target> All =>
    [
        new("scp", "the SCP sink (scp -t: C/D/E/T control lines, file data) and source (scp -f: the client's acknowledgements) over an in-memory file system", Scp),
        new("command-line", "exec command lines: CommandLineSplitter, scp arguments, the rsync and git argument checks", CommandLine),
        new("config-json", "the JSON configuration file: reader, binder, validation", data => Config(data, ConfigReaders.ReadJson, "wharf.json")),
        new("config-yaml", "the YAML configuration file: reader, binder, validation", data => Config(data, ConfigReaders.ReadYaml, "wharf.yaml")),
        new("config-toml", "the TOML configuration file: Tomlyn, the tree, binder, validation", data => Config(data, TomlReader.Read, "sftpgo.toml")),
        new("config-hcl", "the HCL configuration file: our HCL 1 reader, binder, validation", data => Config(data, HclReader.Read, "sftpgo.hcl")),
        new("config-properties", "the Java properties configuration file: our reader (escapes, continuations, ${} references), binder, validation", data => Config(data, PropertiesReader.Read, "sftpgo.properties")),
        new("config-env", "the .env file and WHARF_* variables: reader, binder, validation", ConfigEnv),
        new("rest-json", "REST request bodies (ApiJson strict reading of a user, an admin, a quota usage) and user validation", RestJson),
        new("dump", "DataDump.Parse: the JSON dump of loaddata and user import", Dump),
    ];

    private static readonly Lazy<string> s_home = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), $"wharf-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(Path.Combine(dir, "repo.git"));
        Directory.CreateDirectory(Path.Combine(dir, "empty-config"));
        return dir;
    });

    private static void Scp(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        byte flags = data[0];
        bool source = (flags & 8) != 0;
        var args = new ScpArguments(Sink: !source, Recursive: (flags & 1) != 0, PreserveTimes: (flags & 2) != 0, TargetIsDirectory: (flags & 4) != 0,
            Path: (flags & 16) != 0 ? "/dir/file" : "/dir");
        var input = PipeReader.Create(new MemoryStream(data, 1, data.Length - 1));
        var io = new PipeScpStream(input, (_, _) => ValueTask.CompletedTask);
        var transfer = new ScpTransfer(io, new MemoryFileSystem(), args, CancellationToken.None);
        Targets.Wait(transfer.RunAsync());
    }

    private static void CommandLine(byte[] data)
    {
        var args = CommandLineSplitter.Split(Encoding.UTF8.GetString(data));
        if (args is null || args.Count == 0)
        {
            return;
        }

        if (args.Any(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            return;
        }

        ScpArguments.Parse(args.Skip(1).ToList());
        if (args[0] is "rsync" or "git-upload-pack" or "git-receive-pack" or "git-upload-archive")
        {
            var context = new SystemCommandContext { HomeDirectory = s_home.Value, Permissions = PermissionSet.Global(["*"]), Uid = 1000, Gid = 1000 };
            var command = SystemCommands.Plan(args, context, out var error, privileged: false);
            if (command is null && string.IsNullOrEmpty(error))
            {
                throw new InvalidOperationException("a refused command without a message");
            }
        }
    }

    private static void Config(byte[] data, Func<string, string, ConfigMap?> read, string fileName)
    {
        string text = Encoding.UTF8.GetString(data);
        Targets.Expect<ConfigurationException>(() =>
        {
            var map = read(text, fileName);
            if (map is null)
            {
                return;
            }

            var config = new WharfConfig { ConfigDirectory = s_home.Value };
            var unknown = new List<string>();
            ConfigBinder.Bind(config, map, "", unknown);
            ConfigValidator.Validate(config);
        });
    }

    private static void ConfigEnv(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        Targets.Expect<ConfigurationException>(() =>
        {
            var pairs = ConfigReaders.ReadEnvFile(text, "wharf.env");
            var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (key, value, _) in pairs)
            {
                environment[key] = value;
            }

            ConfigurationLoader.Load(Path.Combine(s_home.Value, "empty-config"), null, environment);
        });
    }

    private static void RestJson(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(data, 1, data.Length - 1);
        context.Request.ContentLength = data.Length - 1;
        switch (data[0] % 3)
        {
            case 0:
                var (user, _) = Wait(ApiJson.ReadAsync<User>(context.Request));
                if (user is not null)
                {
                    Targets.Expect<DataProviderException>(() => UserValidator.Validate(user, new DataProviderConfig()));
                }

                break;
            case 1:
                Wait(ApiJson.ReadAsync<Admin>(context.Request));
                break;
            default:
                Wait(ApiJson.ReadAsync<QuotaUsage>(context.Request));
                break;
        }
    }

    private static T Wait<T>(Task<T> task)
    {
        Targets.Wait(task);
        return task.Result;
    }

    private static void Dump(byte[] data) =>
        Targets.Expect<DataProviderException>(() => DataDump.Parse(Encoding.UTF8.GetString(data)));
}
