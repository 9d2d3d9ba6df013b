using System.CommandLine;
using System.Text.Json;
using Wharf.Server.Accounts;
using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Cli;

/// <summary>
/// <c>wharf user add|update|delete|list|show|import</c>: manage users in the configured data
/// provider. Errors print one line to stderr and exit non-zero: 1 not found, 2 invalid input or
/// configuration, 3 conflict (already exists), 4 data provider unavailable.
/// </summary>
public static class UserCommands
{
    /// <summary>Exit code for an unknown user.</summary>
    public const int ExitNotFound = 1;

    /// <summary>Exit code for invalid input or configuration.</summary>
    public const int ExitValidation = 2;

    /// <summary>Exit code for a user that already exists.</summary>
    public const int ExitConflict = 3;

    /// <summary>Exit code for an unreachable or failing data provider.</summary>
    public const int ExitUnavailable = 4;

    /// <summary>The <c>user</c> command with its subcommands, reading the configuration with <see cref="ConfigurationLoader"/>.</summary>
    public static Command Create() => Create(new CliContext());

    internal static Command Create(CliContext context)
    {
        var command = new Command("user", "Manage users in the data provider");
        command.Subcommands.Add(AddCommand(context));
        command.Subcommands.Add(UpdateCommand(context));
        command.Subcommands.Add(DeleteCommand(context));
        command.Subcommands.Add(ListCommand(context));
        command.Subcommands.Add(ShowCommand(context));
        command.Subcommands.Add(ImportCommand(context));
        return command;
    }

    /// <summary>Where the commands get their configuration and write their output (replaceable in tests).</summary>
    internal sealed class CliContext
    {
        /// <summary>(config dir, config file) → the data_provider section and the directory its relative paths use.</summary>
        public Func<string, string, (DataProviderConfig Config, string ConfigDirectory)> LoadConfig { get; init; } =
            (dir, file) => (ConfigurationLoader.Load(dir, file).DataProvider, dir);

        public TextWriter Out { get; init; } = Console.Out;

        public TextWriter Error { get; init; } = Console.Error;

        /// <summary>Where --password-stdin reads.</summary>
        public TextReader In { get; init; } = Console.In;

        /// <summary>Environment lookups (WHARF_ADMIN_PASSWORD).</summary>
        public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

        /// <summary>Null: <see cref="Accounts.Passwords.PasswordHasher.HashIfNeeded"/>.</summary>
        public Func<string, string>? PasswordHasher { get; init; }

        /// <summary>For a config section that does not come from the loader.</summary>
        public static CliContext ForConfig(DataProviderConfig config, string configDirectory, TextWriter output, TextWriter error, Func<string, string>? passwordHasher = null) =>
            new() { LoadConfig = (_, _) => (config, configDirectory), Out = output, Error = error, PasswordHasher = passwordHasher };
    }

    /// <summary>--config-dir and --config-file, as every data command takes them.</summary>
    internal sealed class ConfigOptions
    {
        public Option<string> Dir { get; } = new("--config-dir", "-c")
        {
            Description = "Directory holding the configuration file (default: WHARF_CONFIG_DIR or the current directory)",
            DefaultValueFactory = _ => FlagEnvironment.Get("WHARF_CONFIG_DIR") ?? ".",
        };

        public Option<string> File { get; } = new("--config-file")
        {
            Description = "Configuration file name without extension, searched in the config dir (default wharf, else sftpgo)",
            DefaultValueFactory = _ => FlagEnvironment.Get("WHARF_CONFIG_FILE") ?? "",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Dir);
            command.Options.Add(File);
        }
    }

    /// <summary>Loads the provider, initialises it, runs <paramref name="body"/>, and maps failures to one line and an exit code.</summary>
    internal static async Task<int> RunAsync(CliContext context, ParseResult parse, ConfigOptions config,
        Func<IDataProvider, DataProviderConfig, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            var (section, directory) = context.LoadConfig(parse.GetValue(config.Dir)!, parse.GetValue(config.File)!);
            await using var provider = DataProviderFactory.Create(section, directory, context.PasswordHasher);
            await provider.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return await body(provider, section).ConfigureAwait(false);
        }
        catch (ConfigurationException ex)
        {
            return Fail(context, ex.Message, ExitValidation);
        }
        catch (DataProviderException ex)
        {
            return Fail(context, ex.Message, ex.Error switch
            {
                DataProviderError.NotFound => ExitNotFound,
                DataProviderError.Validation => ExitValidation,
                DataProviderError.Conflict => ExitConflict,
                _ => ExitUnavailable,
            });
        }
    }

    internal static int Fail(CliContext context, string message, int code)
    {
        context.Error.WriteLine("wharf: " + message.ReplaceLineEndings(" "));
        return code;
    }

    private static Command AddCommand(CliContext context)
    {
        var config = new ConfigOptions();
        var options = new UserOptions();
        var command = new Command("add", "Add a user");
        config.AddTo(command);
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(context, parse, config, async (provider, section) =>
        {
            var user = new User { Username = parse.GetValue(options.Username)! };
            options.Apply(parse, user);
            var added = await new UserService(provider, section, context.PasswordHasher).AddAsync(user, ct).ConfigureAwait(false);
            context.Out.WriteLine($"user '{added.Username}' added (id {added.Id})");
            return 0;
        }, ct));
        return command;
    }

    private static Command UpdateCommand(CliContext context)
    {
        var config = new ConfigOptions();
        var options = new UserOptions();
        var command = new Command("update", "Change a user: only the options given change (list options replace the whole list)");
        config.AddTo(command);
        options.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(context, parse, config, async (provider, section) =>
        {
            string username = parse.GetValue(options.Username)!;
            var user = await provider.GetUserAsync(username, ct).ConfigureAwait(false)
                ?? throw new DataProviderException(DataProviderError.NotFound, $"user '{username}' does not exist", "username");
            options.Apply(parse, user);
            await new UserService(provider, section, context.PasswordHasher).UpdateAsync(user, ct).ConfigureAwait(false);
            context.Out.WriteLine($"user '{username}' updated");
            return 0;
        }, ct));
        return command;
    }

    private static Command DeleteCommand(CliContext context)
    {
        var config = new ConfigOptions();
        var username = new Option<string>("--username", "-u") { Description = "User to delete", Required = true };
        var command = new Command("delete", "Delete a user") { username };
        config.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(context, parse, config, async (provider, section) =>
        {
            string name = parse.GetValue(username)!;
            if (!await new UserService(provider, section, context.PasswordHasher).DeleteAsync(name, ct).ConfigureAwait(false))
            {
                return Fail(context, $"user '{name}' does not exist", ExitNotFound);
            }

            context.Out.WriteLine($"user '{name}' deleted");
            return 0;
        }, ct));
        return command;
    }

    private static Command ListCommand(CliContext context)
    {
        var config = new ConfigOptions();
        var offset = new Option<int>("--offset") { Description = "Users to skip", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "Maximum users to show", DefaultValueFactory = _ => 100 };
        var order = new Option<string>("--order") { Description = "ASC or DESC, by username", DefaultValueFactory = _ => "ASC" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array (passwords masked)" };
        var command = new Command("list", "List users, one per line: username, status, home dir") { offset, limit, order, json };
        config.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            string direction = (parse.GetValue(order) ?? "").ToUpperInvariant();
            if (direction is not ("ASC" or "DESC"))
            {
                return Task.FromResult(Fail(context, $"--order: '{parse.GetValue(order)}' must be ASC or DESC", ExitValidation));
            }

            if (parse.GetValue(offset) < 0 || parse.GetValue(limit) < 0)
            {
                return Task.FromResult(Fail(context, "--offset and --limit must not be negative", ExitValidation));
            }

            return RunAsync(context, parse, config, async (provider, _) =>
            {
                var users = await provider.ListUsersAsync(parse.GetValue(offset), parse.GetValue(limit), direction == "DESC", ct).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    context.Out.WriteLine(JsonSerializer.Serialize(users.Select(Masked).ToList(), DataJsonOptions.Indented));
                }
                else
                {
                    foreach (var u in users)
                    {
                        context.Out.WriteLine($"{u.Username}\t{(u.Status == 1 ? "active" : "inactive")}\t{u.HomeDir}");
                    }
                }

                return 0;
            }, ct);
        });
        return command;
    }

    private static Command ShowCommand(CliContext context)
    {
        var config = new ConfigOptions();
        var username = new Option<string>("--username", "-u") { Description = "User to show", Required = true };
        var command = new Command("show", "Print a user as JSON (password masked)") { username };
        config.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(context, parse, config, async (provider, _) =>
        {
            string name = parse.GetValue(username)!;
            var user = await provider.GetUserAsync(name, ct).ConfigureAwait(false);
            if (user is null)
            {
                return Fail(context, $"user '{name}' does not exist", ExitNotFound);
            }

            context.Out.WriteLine(JsonSerializer.Serialize(Masked(user), DataJsonOptions.Indented));
            return 0;
        }, ct));
        return command;
    }

    private static Command ImportCommand(CliContext context)
    {
        var config = new ConfigOptions();
        var file = new Argument<string>("file") { Description = "A JSON dump ({\"users\": [...], \"admins\": [...]}, SFTPGo's shape)" };
        var mode = new Option<int>("--mode") { Description = "0: add new users and update existing ones; 1: add new users only", DefaultValueFactory = _ => 0 };
        var command = new Command("import", "Restore users (and admins) from a JSON dump") { file, mode };
        config.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            int m = parse.GetValue(mode);
            if (m is not (0 or 1))
            {
                return Task.FromResult(Fail(context, $"--mode: {m} must be 0 or 1", ExitValidation));
            }

            return RunAsync(context, parse, config, async (provider, section) =>
            {
                var dump = await DataDump.LoadAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
                var result = await DataDump.RestoreAsync(provider, dump, (RestoreMode)m, section, context.PasswordHasher, ct).ConfigureAwait(false);
                context.Out.WriteLine($"imported {dump.Users.Count} users: {result.Added} added, {result.Updated} updated, {result.Skipped} skipped");
                if (dump.Admins.Count > 0)
                {
                    context.Out.WriteLine($"imported {dump.Admins.Count} admins: {result.AdminsAdded} added, {result.AdminsUpdated} updated, {result.AdminsSkipped} skipped");
                }

                return 0;
            }, ct);
        });
        return command;
    }

    private static User Masked(User user)
    {
        if (!string.IsNullOrEmpty(user.Password))
        {
            user.Password = "***";
        }

        return user;
    }

    private static class DataJsonOptions
    {
        public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
    }

    /// <summary>The account options of add and update.</summary>
    internal sealed class UserOptions
    {
        public Option<string> Username { get; } = new("--username", "-u") { Description = "Username", Required = true };
        public Option<string?> Password { get; } = new("--password", "-p") { Description = "Password (stored hashed; a supported hash is stored as is)" };
        public Option<string[]> PublicKeys { get; } = new("--public-key", "-k") { Description = "Public key in authorized_keys format (repeatable)" };
        public Option<string?> HomeDir { get; } = new("--home-dir") { Description = "Absolute path of the user's root (default: users_base_dir/username)" };
        public Option<string[]> Permissions { get; } = new("--permissions", "-g") { Description = "DIR:PERM[,PERM...], e.g. \"/:*\" or \"/dir:list,download\" (repeatable)" };
        public Option<long?> QuotaSize { get; } = new("--quota-size") { Description = "Bytes, 0 unlimited" };
        public Option<int?> QuotaFiles { get; } = new("--quota-files") { Description = "Files, 0 unlimited" };
        public Option<int?> MaxSessions { get; } = new("--max-sessions") { Description = "Concurrent sessions, 0 unlimited" };
        public Option<long?> UploadBandwidth { get; } = new("--upload-bandwidth") { Description = "KB/s, 0 unlimited" };
        public Option<long?> DownloadBandwidth { get; } = new("--download-bandwidth") { Description = "KB/s, 0 unlimited" };
        public Option<string[]> AllowedIp { get; } = new("--allowed-ip") { Description = "CIDR allowed to log in (repeatable)" };
        public Option<string[]> DeniedIp { get; } = new("--denied-ip") { Description = "CIDR refused (repeatable)" };
        public Option<long?> ExpirationDate { get; } = new("--expiration-date") { Description = "Unix time in milliseconds, 0 never" };
        public Option<int?> Status { get; } = new("--status") { Description = "1 active, 0 inactive" };
        public Option<int?> Uid { get; } = new("--uid") { Description = "System uid for created files" };
        public Option<int?> Gid { get; } = new("--gid") { Description = "System gid for created files" };

        public void AddTo(Command command)
        {
            foreach (Option o in new Option[]
            {
                Username, Password, PublicKeys, HomeDir, Permissions, QuotaSize, QuotaFiles, MaxSessions, UploadBandwidth,
                DownloadBandwidth, AllowedIp, DeniedIp, ExpirationDate, Status, Uid, Gid,
            })
            {
                command.Options.Add(o);
            }
        }

        /// <summary>Copies the options that were given onto <paramref name="user"/>.</summary>
        public void Apply(ParseResult parse, User user)
        {
            if (parse.GetValue(Password) is { } password)
            {
                user.Password = password;
            }

            if (parse.GetResult(PublicKeys) is not null)
            {
                user.PublicKeys = [.. parse.GetValue(PublicKeys) ?? []];
            }

            if (parse.GetValue(HomeDir) is { } home)
            {
                user.HomeDir = home;
            }

            if (parse.GetResult(Permissions) is not null)
            {
                user.Permissions = ParsePermissions(parse.GetValue(Permissions) ?? []);
            }

            if (parse.GetValue(QuotaSize) is { } quotaSize)
            {
                user.QuotaSize = quotaSize;
            }

            if (parse.GetValue(QuotaFiles) is { } quotaFiles)
            {
                user.QuotaFiles = quotaFiles;
            }

            if (parse.GetValue(MaxSessions) is { } maxSessions)
            {
                user.MaxSessions = maxSessions;
            }

            if (parse.GetValue(UploadBandwidth) is { } up)
            {
                user.UploadBandwidth = up;
            }

            if (parse.GetValue(DownloadBandwidth) is { } down)
            {
                user.DownloadBandwidth = down;
            }

            if (parse.GetResult(AllowedIp) is not null)
            {
                user.AllowedIp = [.. parse.GetValue(AllowedIp) ?? []];
            }

            if (parse.GetResult(DeniedIp) is not null)
            {
                user.DeniedIp = [.. parse.GetValue(DeniedIp) ?? []];
            }

            if (parse.GetValue(ExpirationDate) is { } expiration)
            {
                user.ExpirationDate = expiration;
            }

            if (parse.GetValue(Status) is { } status)
            {
                user.Status = status;
            }

            if (parse.GetValue(Uid) is { } uid)
            {
                user.Uid = uid;
            }

            if (parse.GetValue(Gid) is { } gid)
            {
                user.Gid = gid;
            }
        }

        /// <summary>"/dir:list,download" entries → the permissions map.</summary>
        internal static Dictionary<string, List<string>> ParsePermissions(IEnumerable<string> entries)
        {
            var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                int colon = entry.LastIndexOf(':');
                if (colon <= 0)
                {
                    throw new DataProviderException(DataProviderError.Validation,
                        $"permissions: '{entry}' must be DIR:PERM[,PERM...], e.g. \"/:*\"", "permissions");
                }

                string dir = entry[..colon];
                var perms = entry[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (map.TryGetValue(dir, out var existing))
                {
                    existing.AddRange(perms);
                }
                else
                {
                    map[dir] = [.. perms];
                }
            }

            return map;
        }
    }
}
