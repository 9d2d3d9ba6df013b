using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using Wharf.Server.Accounts;
using Wharf.Server.Logging;
using Wharf.Server.Storage;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Cli;

/// <summary>
/// <c>wharf portable</c>: serve one directory to one user, now, with nothing to set up — the
/// flags and defaults of SFTPGo's portable mode.
/// </summary>
internal static class PortableCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--directory", "-d") { Description = "Path to the directory to serve. This can be an absolute path or a path relative to the current directory", DefaultValueFactory = _ => "." };
        var port = new Option<int>("--sftpd-port", "-s") { Description = "0 means a random unprivileged port", DefaultValueFactory = _ => 0 };
        var address = new Option<string>("--listen-address") { Description = "Address to listen on", DefaultValueFactory = _ => "0.0.0.0" };
        var username = new Option<string>("--username", "-u") { Description = "Leave empty to use an auto generated value", DefaultValueFactory = _ => "" };
        var password = new Option<string>("--password", "-p") { Description = "Leave empty to use an auto generated value (unless public keys are given)", DefaultValueFactory = _ => "" };
        var publicKeys = new Option<string[]>("--public-key", "-k") { Description = "Public key in OpenSSH authorized_keys format (repeatable)" };
        var permissions = new Option<string>("--permissions", "-g") { Description = "User's permissions. \"*\" means any permission", DefaultValueFactory = _ => "list,download" };
        var sshCommands = new Option<string>("--ssh-commands", "-c") { Description = "SSH commands to enable. \"*\" means any supported SSH command including scp", DefaultValueFactory = _ => "md5sum,sha1sum,cd,pwd" };
        var logFile = new Option<string>("--log-file-path", "-l") { Description = "Leave empty to disable logging to a file", DefaultValueFactory = _ => "" };
        var verbose = new Option<bool>("--log-verbose", "-v") { Description = "Enable verbose logs" };
        var configDir = new Option<string>("--config-dir") { Description = "Where host keys are kept (generated on first start)", DefaultValueFactory = _ => DefaultConfigDir() };
        var uploadMode = new Option<int>("--upload-mode") { Description = "0 standard, 1 atomic, 2 atomic with resume", DefaultValueFactory = _ => 0 };
        var hostKeys = new Option<string[]>("--host-key") { Description = "Host private key file (repeatable), absolute or relative to --config-dir; an absolute path named id_rsa, id_ecdsa or id_ed25519 is generated when missing (sftpd.host_keys' rule). Default: Ed25519 and RSA keys generated in --config-dir" };

        var command = new Command("portable", "Serve a single directory")
        {
            directory, port, address, username, password, publicKeys, permissions, sshCommands, logFile, verbose, configDir, uploadMode, hostKeys,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new PortableSettings
            {
                Directory = Path.GetFullPath(parse.GetValue(directory)!),
                Port = parse.GetValue(port),
                ListenAddress = parse.GetValue(address)!,
                UserName = parse.GetValue(username)!,
                Password = parse.GetValue(password)!,
                PublicKeys = parse.GetValue(publicKeys) ?? [],
                Permissions = parse.GetValue(permissions)!,
                SshCommands = parse.GetValue(sshCommands)!,
                LogFile = parse.GetValue(logFile)!,
                Verbose = parse.GetValue(verbose),
                ConfigDir = parse.GetValue(configDir)!,
                UploadMode = parse.GetValue(uploadMode),
                HostKeys = parse.GetValue(hostKeys) ?? [],
            };
            return await RunAsync(settings, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static string DefaultConfigDir() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData) is { Length: > 0 } d ? d : Path.GetTempPath(), "wharf", "portable");

    internal sealed class PortableSettings
    {
        public required string Directory { get; init; }
        public int Port { get; init; }
        public string ListenAddress { get; init; } = "0.0.0.0";
        public string UserName { get; set; } = "";
        public string Password { get; set; } = "";
        public string[] PublicKeys { get; init; } = [];
        public string Permissions { get; init; } = "list,download";
        public string SshCommands { get; init; } = "";
        public string LogFile { get; init; } = "";
        public bool Verbose { get; init; }
        public required string ConfigDir { get; init; }
        public int UploadMode { get; init; }
        public string[] HostKeys { get; init; } = [];
    }

    internal static async Task<int> RunAsync(PortableSettings s, CancellationToken ct)
    {

        // Configuration errors: one line naming the problem, non-zero exit.
        if (!Directory.Exists(s.Directory))
        {
            Console.Error.WriteLine($"wharf: --directory: '{s.Directory}' does not exist");
            return 2;
        }

        if (s.Port is < 0 or > 65535)
        {
            Console.Error.WriteLine($"wharf: --sftpd-port: {s.Port} is not a valid port");
            return 2;
        }

        if (!IPAddress.TryParse(s.ListenAddress, out var ip))
        {
            Console.Error.WriteLine($"wharf: --listen-address: '{s.ListenAddress}' is not an IP address");
            return 2;
        }

        if (s.UploadMode is < 0 or > 2)
        {
            Console.Error.WriteLine($"wharf: --upload-mode: {s.UploadMode} must be 0, 1 or 2");
            return 2;
        }

        PermissionSet permissions;
        try
        {
            permissions = PermissionSet.ParseGlobal(s.Permissions);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"wharf: --permissions: {ex.Message}");
            return 2;
        }

        var keys = new List<SshPublicKey>();
        foreach (var line in s.PublicKeys)
        {
            try
            {
                keys.Add(AuthorizedKeyEntry.Parse(line).Key);
            }
            catch (Exception ex) when (ex is FormatException or SshConnectionException)
            {
                Console.Error.WriteLine($"wharf: --public-key: {ex.Message}");
                return 2;
            }
        }

        var enabledCommands = s.SshCommands.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var unknownCommand = enabledCommands.FirstOrDefault(c => c != "*" && !Commands.SshCommands.Supported.Contains(c));
        if (unknownCommand is not null)
        {
            Console.Error.WriteLine($"wharf: --ssh-commands: '{unknownCommand}' is not a supported command (supported: {string.Join(", ", Commands.SshCommands.Supported)})");
            return 2;
        }

        if (s.UserName.Length == 0)
        {
            s.UserName = "user_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        }

        if (s.Password.Length == 0 && keys.Count == 0)
        {
            s.Password = RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 16);
        }

        using var log = new JsonLineLog(s.LogFile, console: s.Verbose) { Verbose = s.Verbose };
        var options = new SftpServerOptions
        {
            RootDirectory = s.Directory,
            UploadMode = (UploadMode)s.UploadMode,
        };
        try
        {
            options.Ssh.HostKeys.AddRange(s.HostKeys.Length > 0
                ? Hosting.HostKeyFiles.Load(s.HostKeys, Path.GetFullPath(s.ConfigDir))
                : HostKeyStore.LoadOrCreate(s.ConfigDir));
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or FormatException or SshConnectionException)
        {
            Console.Error.WriteLine(s.HostKeys.Length > 0 ? $"wharf: --host-key: {ex.Message}" : $"wharf: host keys in '{s.ConfigDir}': {ex.Message}");
            return 2;
        }

        options.Ssh.HostKeyAlgorithms = [.. Hosting.HostKeyFiles.Algorithms];
        options.Ssh.Logger = (level, message) =>
        {
            if (level >= SshLogLevel.Information || s.Verbose)
            {
                log.Write(JsonLineLog.LevelName(level), "sftpd", message);
            }
        };

        byte[] passwordBytes = System.Text.Encoding.UTF8.GetBytes(s.Password);
        PermissionFileSystem NewFileSystem() => new(new LocalFileSystem(new LocalFileSystemOptions
        {
            RootDirectory = s.Directory,
            UploadMode = (UploadMode)s.UploadMode,
        }), permissions);
        // keyboard-interactive, as SFTPGo's portable mode has it (its default configuration, no
        // hook): one "Password: " prompt, echo off, checked like the password. Offered only when
        // there is a password to check.
        if (passwordBytes.Length > 0)
        {
            options.Ssh.AuthenticationMethods = ["publickey", "password", "keyboard-interactive"];
        }

        bool PasswordMatches(string candidate) => passwordBytes.Length > 0 &&
            CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(candidate), passwordBytes);
        await using var server = new SftpServer(options)
        {
            FileSystemFactory = _ => NewFileSystem(),
            Authenticate = async request => request switch
            {
                // The prompt comes before the user name is judged, so it does not tell whether the name is right.
                KeyboardInteractiveAuthenticationRequest ki =>
                    PasswordMatches((await ki.PromptAsync("", "", [new AuthenticationPrompt("Password: ", false)]).ConfigureAwait(false))[0])
                    && ki.UserName == s.UserName ? AuthenticationResult.Success : AuthenticationResult.Failure,
                _ when request.UserName != s.UserName => AuthenticationResult.Failure,
                PasswordAuthenticationRequest pw when PasswordMatches(pw.Password) => AuthenticationResult.Success,
                PublicKeyAuthenticationRequest pk when keys.Contains(pk.Key) => AuthenticationResult.Success,
                _ => AuthenticationResult.Failure,
            },
        };
        server.SshServer.ExecHandler = (_, commandLine) => Commands.SshCommands.Resolve(commandLine, enabledCommands, NewFileSystem,
            () => new Commands.System.SystemCommandContext { HomeDirectory = s.Directory, Permissions = permissions });
        try
        {
            server.Start(new IPEndPoint(ip, s.Port));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ArgumentException)
        {
            Console.Error.WriteLine($"wharf: cannot listen on {s.ListenAddress}:{s.Port}: {ex.Message}");
            return 1;
        }

        Console.WriteLine($"Portable mode ready: serving '{s.Directory}' over SFTP on {server.LocalEndPoint}");
        Console.WriteLine($"  username: {s.UserName}");
        if (s.Password.Length > 0)
        {
            Console.WriteLine($"  password: {s.Password}");
        }

        foreach (var k in keys)
        {
            Console.WriteLine($"  public key: {k.KeyType} {k.GetSha256Fingerprint()}");
        }

        Console.WriteLine($"  permissions: {s.Permissions}");
        Console.WriteLine($"  host keys: {string.Join(", ", options.Ssh.HostKeys.Select(k => $"{k.PublicKey.KeyType} {k.PublicKey.GetSha256Fingerprint()}"))}");
        Console.Out.Flush();
        log.Write("info", "service", $"portable mode started on {server.LocalEndPoint}, directory {s.Directory}, user {s.UserName}");

        await ShutdownSignal.WaitAsync(ct).ConfigureAwait(false);
        Console.WriteLine("Stopping...");
        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        log.Write("info", "service", "portable mode stopped");
        return 0;
    }
}
