using System.CommandLine;
using System.Net;
using Wharf.Server.Accounts.Passwords;
using Wharf.Server.Actions;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Defense;
using Wharf.Server.Events;
using Wharf.Server.Http;
using Wharf.Server.Metrics;
using Wharf.Server.Hosting;
using Wharf.Server.Logging;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Ssh;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Cli;

/// <summary>
/// <c>wharf serve</c>: the full server on a configuration (SFTPGo's flags; each also from a
/// WHARF_* environment variable). With no configuration at all it starts on embedded defaults:
/// a SQLite database and generated host keys in the config dir, SFTP on port 2022.
/// </summary>
internal static class ServeCommand
{
    private static string Env(string name, string fallback) => FlagEnvironment.Get(name) ?? fallback;

    private static int EnvInt(string name, int fallback) => int.TryParse(FlagEnvironment.Get(name), out var v) ? v : fallback;

    private static bool EnvBool(string name, bool fallback) => FlagEnvironment.Get(name)?.ToLowerInvariant() switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => fallback,
    };

    public static Command Create()
    {
        var configDir = new Option<string>("--config-dir", "-c") { Description = "Location of the config dir (base for relative paths). Env: WHARF_CONFIG_DIR", DefaultValueFactory = _ => Env("WHARF_CONFIG_DIR", ".") };
        var configFile = new Option<string>("--config-file", "-f") { Description = "Name of the configuration file in the config dir, without extension (JSON, YAML, TOML, HCL, Java properties and .env are found; default wharf, else sftpgo). Env: WHARF_CONFIG_FILE", DefaultValueFactory = _ => Env("WHARF_CONFIG_FILE", "") };
        var logFile = new Option<string>("--log-file-path", "-l") { Description = "Log file; empty logs to standard error. Env: WHARF_LOG_FILE_PATH", DefaultValueFactory = _ => Env("WHARF_LOG_FILE_PATH", "wharf.log") };
        var logMaxSize = new Option<int>("--log-max-size", "-s") { Description = "MB before the log rotates. Env: WHARF_LOG_MAX_SIZE", DefaultValueFactory = _ => EnvInt("WHARF_LOG_MAX_SIZE", 10) };
        var logMaxBackups = new Option<int>("--log-max-backups", "-b") { Description = "Old log files kept. Env: WHARF_LOG_MAX_BACKUPS", DefaultValueFactory = _ => EnvInt("WHARF_LOG_MAX_BACKUPS", 5) };
        var logMaxAge = new Option<int>("--log-max-age", "-a") { Description = "Days old log files are kept. Env: WHARF_LOG_MAX_AGE", DefaultValueFactory = _ => EnvInt("WHARF_LOG_MAX_AGE", 28) };
        var logCompress = new Option<bool>("--log-compress", "-z") { Description = "gzip rotated logs. Env: WHARF_LOG_COMPRESS", DefaultValueFactory = _ => EnvBool("WHARF_LOG_COMPRESS", false) };
        var logVerbose = new Option<bool>("--log-verbose", "-v") { Description = "Verbose logs. Env: WHARF_LOG_VERBOSE", DefaultValueFactory = _ => EnvBool("WHARF_LOG_VERBOSE", true) };
        var command = new Command("serve", "Start the SFTP server") { configDir, configFile, logFile, logMaxSize, logMaxBackups, logMaxAge, logCompress, logVerbose };
        command.SetAction((parse, ct) => RunAsync(
            Path.GetFullPath(parse.GetValue(configDir)!), parse.GetValue(configFile)!, parse.GetValue(logFile)!,
            parse.GetValue(logMaxSize), parse.GetValue(logMaxBackups), parse.GetValue(logMaxAge), parse.GetValue(logCompress), parse.GetValue(logVerbose), ct));
        return command;
    }

    private static async Task<int> RunAsync(string configDir, string configFile, string logFile, int maxSize, int maxBackups, int maxAge, bool compress, bool verbose, CancellationToken ct)
    {
        WharfConfig config;
        try
        {
            Directory.CreateDirectory(configDir);
            config = ConfigurationLoader.Load(configDir, configFile);
        }
        catch (ConfigurationException ex)
        {
            Console.Error.WriteLine($"wharf: {ex.Message}");
            return 2;
        }

        string? logPath = logFile.Length == 0 ? null : Path.Combine(configDir, logFile);
        using var log = new JsonLineLog(logPath, console: logPath is null, maxSize, maxBackups, maxAge, compress) { Verbose = verbose };
        foreach (var warning in FlagEnvironment.Warnings.Concat(config.Warnings))
        {
            log.Write("warn", "config", warning);
            Console.Error.WriteLine($"wharf: warning: {warning}");
        }

        var sftpd = config.Sftpd;
        List<SshPrivateKey> hostKeys;
        try
        {
            hostKeys = sftpd.HostKeys.Count > 0 ? HostKeyFiles.Load(sftpd.HostKeys, config.ConfigDirectory, m => log.Write("info", "service", m))
                : sftpd.Keys.Count > 0 ? [.. sftpd.Keys.Select(k => SshPrivateKey.Load(config.ResolvePath(k.PrivateKey)))]
                : HostKeyFiles.LoadSftpgoDefaults(configDir, m => log.Write("info", "service", m)) is { Count: > 0 } sftpgoKeys ? sftpgoKeys
                : HostKeyStore.LoadOrCreate(configDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException or Wharf.Ssh.SshConnectionException)
        {
            Console.Error.WriteLine($"wharf: {(sftpd.HostKeys.Count > 0 ? "sftpd.host_keys" : "sftpd.keys")}: {ex.Message}");
            return 2;
        }

        string? loginBanner = null;
        if (sftpd.LoginBannerFile.Length > 0)
        {
            try
            {
                loginBanner = await File.ReadAllTextAsync(config.ResolvePath(sftpd.LoginBannerFile), ct).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"wharf: sftpd.login_banner_file: {ex.Message}");
                return 2;
            }
        }

        IDataProvider provider;
        try
        {
            provider = DataProviderFactory.Create(config.DataProvider, configDir);
            await provider.InitializeAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DataProviderException or System.Data.Common.DbException or IOException or ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"wharf: data_provider: {ex.Message}");
            return 1;
        }

        await using var providerScope = provider;
        IPAddress sftpdAddress, httpdAddress;
        try
        {
            sftpdAddress = BindAddress(sftpd.BindAddress);
            httpdAddress = BindAddress(config.Httpd.BindAddress);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            Console.Error.WriteLine($"wharf: bind_address: cannot resolve: {ex.Message}");
            return 2;
        }
        await using var defender = await CreateDefenderAsync(config, provider, log, ct).ConfigureAwait(false);
        if (defender is { Address: null })
        {
            return 2;
        }

        var rateLimiters = new RateLimiters(config.Common.RateLimiters, defender.Value, config.Common.Defender.Ipv4Netblock, config.Common.Defender.Ipv6Netblock, log: log);
        var settings = new ServeSettings
        {
            BindAddress = sftpdAddress,
            BindPort = sftpd.BindPort,
            HostKeys = hostKeys,
            IdleTimeout = TimeSpan.FromMinutes(sftpd.IdleTimeout),
            MaxAuthTries = sftpd.MaxAuthTries,
            Umask = sftpd.UmaskValue,
            UploadMode = (UploadMode)sftpd.UploadMode,
            SetStatMode = (SetStatMode)sftpd.SetstatMode,
            SoftwareVersion = sftpd.Banner,
            LoginBanner = loginBanner,
            KexAlgorithms = sftpd.KexAlgorithms,
            Ciphers = sftpd.Ciphers,
            Macs = sftpd.Macs,
            EnabledSshCommands = sftpd.EnabledSshCommands.ToHashSet(),
            KeyboardInteractive = sftpd.KeyboardInteractiveAuthentication,
            MaxConnections = sftpd.MaxConnections,
            MaxConnectionsPerAddress = sftpd.MaxConnectionsPerIp,
            MaxUnauthenticatedConnections = sftpd.MaxUnauthenticatedConnections,
            ProxyProtocol = (ProxyProtocolMode)config.Common.ProxyProtocol, // 0/1/2 = Off/Accept/Require, checked by the validator
            ProxyAllowed = [.. config.Common.ProxyAllowed.Select(Network)],
            ProxySkipped = [.. config.Common.ProxySkipped.Select(Network)],
            TrackQuota = config.DataProvider.TrackQuota,
            Defender = defender.Value,
            RateLimiters = rateLimiters.IsEmpty ? null : rateLimiters,
        };
        // One pool for every password check (SSH password and keyboard-interactive, the admin login): docs/availability.md.
        using var verifier = new PasswordVerifier(config.Common.PasswordVerification.Workers, config.Common.PasswordVerification.QueueLimit);
        var admins = new AdminService(provider) { Verifier = verifier };
        try
        {
            if (await admins.EnsureDefaultAdminAsync(AdminService.DefaultAdminEnvironment(), ct).ConfigureAwait(false) is { } created)
            {
                log.Write("info", "service", $"created the default admin '{created.Username}' from {AdminService.DefaultUsernameVariable}");
            }
        }
        catch (DataProviderException ex)
        {
            Console.Error.WriteLine($"wharf: {ex.Message}");
            return 2;
        }

        var events = new ServerEvents();
        await using var actions = new ActionRunner(config.Sftpd.Actions, config.DataProvider.Actions, log); // disposed after the service: its last events still run
        actions.Subscribe(events);
        await using var service = new WharfService(settings, provider, log, events, verifier);
        using var metrics = new WharfMetrics(events, () => service.Sftp.Connections.Count, provider.IsAvailableAsync)
        {
            Defender = defender.Value,
            RateLimiters = rateLimiters,
        };
        try
        {
            service.Start();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ArgumentException)
        {
            Console.Error.WriteLine($"wharf: sftpd.bind_port: cannot listen on {settings.BindAddress}:{settings.BindPort}: {ex.Message}");
            return 1;
        }

        await using var http = await StartHttpAsync(config, httpdAddress, service, admins, events, metrics, log, ct).ConfigureAwait(false);
        if (http is { Address: null })
        {
            return 1;
        }

        log.Write("info", "service", $"wharf serve started: SFTP on {service.Sftp.LocalEndPoint}, data provider {provider.Driver}, config dir {configDir}");
        Console.WriteLine($"wharf serve: SFTP on {service.Sftp.LocalEndPoint} (data provider {provider.Driver}, config dir {configDir})");
        if (http?.Address is { } httpAddress)
        {
            log.Write("info", "service", $"HTTP on {httpAddress}: REST API /api/v1, web admin /web, metrics /metrics");
            Console.WriteLine($"wharf serve: HTTP on {httpAddress} (REST API /api/v1, web admin /web, metrics /metrics)");
            if ((await provider.ListAdminsAsync(ct).ConfigureAwait(false)).Count == 0)
            {
                Console.WriteLine($"No admins yet. Add one with: wharf admin add NAME --password-stdin --config-dir {configDir} (or set {AdminService.DefaultUsernameVariable} and {AdminService.DefaultPasswordVariable} before the first start)");
            }
        }

        if ((await provider.ListUsersAsync(0, 1, cancellationToken: ct).ConfigureAwait(false)).Count == 0)
        {
            Console.WriteLine($"No users yet. Add one with: wharf user add --config-dir {configDir} --username NAME --password SECRET --home-dir /path/to/home");
        }
        Console.Out.Flush();
        await ShutdownSignal.WaitAsync(ct).ConfigureAwait(false);
        log.Write("info", "service", "wharf serve stopping");
        return 0;
    }

    /// <summary>A holder so <c>await using</c> disposes the defender after the service that feeds it.</summary>
    private sealed class DefenderScope(HostDefender? value, bool failed) : IAsyncDisposable
    {
        public HostDefender? Value { get; } = value;

        /// <summary>Null when the defender could not be built (the error is printed).</summary>
        public object? Address { get; } = failed ? null : new object();

        public ValueTask DisposeAsync() => Value?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>common.defender: null when disabled; the provider driver on the data provider's database (memory for the memory provider).</summary>
    private static async Task<DefenderScope> CreateDefenderAsync(WharfConfig config, IDataProvider provider, JsonLineLog log, CancellationToken ct)
    {
        var d = config.Common.Defender;
        if (!d.Enabled)
        {
            return new DefenderScope(null, failed: false);
        }

        DefenderOptions options;
        try
        {
            options = DefenderOptions.From(d, config);
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"wharf: common.defender: {ex.Message}");
            return new DefenderScope(null, failed: true);
        }

        if (d.Driver == "provider" && provider is IDefenderStore store)
        {
            var shared = new ProviderHostDefender(store, options, log: log);
            try
            {
                await shared.StartAsync(ct).ConfigureAwait(false);
            }
            catch (DataProviderException ex)
            {
                await shared.DisposeAsync().ConfigureAwait(false);
                Console.Error.WriteLine($"wharf: common.defender: {ex.Message}");
                return new DefenderScope(null, failed: true);
            }

            log.Write("info", "defender", $"defender enabled, driver provider ({provider.Driver}): bans shared through the database");
            return new DefenderScope(shared, failed: false);
        }

        if (d.Driver == "provider")
        {
            log.Write("warn", "defender", $"common.defender.driver provider: the {provider.Driver} data provider has no database, the defender keeps its state in memory");
        }

        log.Write("info", "defender", $"defender enabled, driver memory: threshold {d.Threshold} in {d.ObservationTime} minutes, ban {d.BanTime} minutes");
        return new DefenderScope(new MemoryHostDefender(options, log: log), failed: false);
    }

    /// <summary>
    /// Starts the httpd listener unless bind_port is 0. Returns null when disabled; a service with a
    /// null <see cref="HttpService.Address"/> when it could not listen (the error is printed).
    /// </summary>
    private static async Task<HttpService?> StartHttpAsync(WharfConfig config, IPAddress address, WharfService service, AdminService admins, ServerEvents events, WharfMetrics metrics, JsonLineLog log, CancellationToken ct)
    {
        var httpd = config.Httpd;
        if (httpd.BindPort == 0)
        {
            return null;
        }

        var http = new HttpService(new HttpDependencies
        {
            Service = service,
            Users = new UserService(service.Provider, config.DataProvider) { Events = events },
            Admins = admins,
            Log = log,
            Config = config,
            ResponseObserver = metrics.RecordHttpRequest,
            MetricsWriter = metrics.WriteAsync,
            MetricsContentType = WharfMetrics.ContentType,
            Defender = service.Defender,
        }, address, httpd.BindPort);
        try
        {
            await http.StartAsync(ct).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"wharf: httpd.bind_port: cannot listen on {address}:{httpd.BindPort}: {ex.Message}");
        }

        return http;
    }

    // Validated by ConfigValidator before serve gets here.
    private static IPNetwork Network(string text) =>
        CommonConfig.TryParseNetwork(text, out var network) ? network : throw new ArgumentException($"not an IP address or network: {text}");

    /// <summary>An IP address as given, or a host name's first address (IPv4 preferred); empty means every interface.</summary>
    internal static IPAddress BindAddress(string address)
    {
        if (address.Length == 0)
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(address, out var ip))
        {
            return ip;
        }

        var addresses = Dns.GetHostAddresses(address);
        return addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
    }
}
