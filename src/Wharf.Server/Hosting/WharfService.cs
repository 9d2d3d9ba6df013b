using System.Collections.Concurrent;
using Wharf.Server.Accounts;
using Wharf.Server.Accounts.Passwords;
using Wharf.Server.Commands;
using Wharf.Server.Commands.System;
using Wharf.Server.Data;
using Wharf.Server.Defense;
using Wharf.Server.Events;
using Wharf.Server.Logging;
using Wharf.Server.Storage;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Hosting;

/// <summary>
/// The `wharf serve` service: SFTP and SSH commands for the users of a data provider, each
/// chrooted to its home directory behind the same protocol-neutral checks — permissions,
/// quota, bandwidth — with transfer, command and failed-connection logs.
/// </summary>
public sealed partial class WharfService : IAsyncDisposable
{
    private const string UserKey = "wharf.user";
    private const string AttemptedKey = "wharf.auth-attempted";
    private const string SlotKey = "wharf.session-slot";
    private const string EndedKey = "wharf.session-ended";
    private readonly SessionSlots _sessionSlots = new();
    private readonly ServeSettings _settings;
    private readonly IDataProvider _provider;
    private readonly JsonLineLog _log;
    private readonly ConcurrentDictionary<string, QuotaTracker> _quotas = new(StringComparer.Ordinal);
    private readonly PasswordVerifier _verifier;
    private readonly bool _ownsVerifier;

    /// <param name="verifier">Where password checks run (shared with the admin login); null for one of the service's own with the defaults.</param>
    public WharfService(ServeSettings settings, IDataProvider provider, JsonLineLog log, ServerEvents? events = null, PasswordVerifier? verifier = null)
    {
        Events = events ?? new ServerEvents();
        _ownsVerifier = verifier is null;
        _verifier = verifier ?? new PasswordVerifier();
        _verifier.Saturated += OnVerifierSaturated;
        _settings = settings;
        _provider = provider;
        _log = log;
        var options = new SftpServerOptions();
        var ssh = options.Ssh;
        ssh.HostKeys.AddRange(settings.HostKeys);
        ssh.HostKeyAlgorithms = [.. HostKeyFiles.Algorithms];
        ssh.AuthenticationMethods = settings.KeyboardInteractive ? ["publickey", "password", KeyboardInteractiveMethod] : ["publickey", "password"];
        ssh.MaxAuthAttempts = settings.MaxAuthTries > 0 ? settings.MaxAuthTries : 6;
        ssh.IdleTimeout = settings.IdleTimeout;
        ssh.Banner = settings.LoginBanner;
        ssh.MaxConnections = settings.MaxConnections;
        ssh.MaxUnauthenticatedConnections = settings.MaxUnauthenticatedConnections;
        ssh.MaxConnectionsPerAddress = settings.MaxConnectionsPerAddress;
        ssh.ProxyProtocol = settings.ProxyProtocol;
        ssh.ProxyAllowed = [.. settings.ProxyAllowed];
        ssh.ProxySkipped = [.. settings.ProxySkipped];
        if (settings.SoftwareVersion is { Length: > 0 } v)
        {
            ssh.SoftwareVersion = v;
        }

        if (settings.KexAlgorithms.Count > 0)
        {
            ssh.KeyExchangeAlgorithms = [.. settings.KexAlgorithms];
        }

        if (settings.Ciphers.Count > 0)
        {
            ssh.Ciphers = [.. settings.Ciphers];
        }

        if (settings.Macs.Count > 0)
        {
            ssh.Macs = [.. settings.Macs];
        }

        ssh.Logger = (level, message) => _log.Write(JsonLineLog.LevelName(level), "sshd", message);
        Sftp = new SftpServer(options)
        {
            Authenticate = AuthenticateAsync,
            FileSystemFactory = c => BuildFileSystem(c.Session, "SFTP"),
        };
        Sftp.SshServer.ExecHandler = (session, commandLine) =>
        {
            _log.Write("info", "SSHCommand", "", new Dictionary<string, object?>
            {
                ["username"] = session.UserName,
                ["ssh_command"] = commandLine,
                ["connection_id"] = session.Id,
                ["protocol"] = "SSH",
            });
            // Transfer logs name SCP as its own protocol, as the seed's log format does.
            string protocol = commandLine.TrimStart().StartsWith("scp ", StringComparison.Ordinal) ? "SCP" : "SSH";
            var handler = SshCommands.Resolve(commandLine, _settings.EnabledSshCommands, () => BuildFileSystem(session, protocol), () => SystemContext(session));
            if (protocol == "SCP")
            {
                return handler; // scp raises upload and download, never ssh_cmd (as in the seed)
            }

            return async context =>
            {
                int status = -1;
                try
                {
                    status = await handler(context).ConfigureAwait(false);
                    return status;
                }
                finally
                {
                    Events.Raise(new FileActionEvent
                    {
                        Action = FileActions.SshCommand,
                        Username = session.UserName ?? "",
                        Path = session.Items.TryGetValue(UserKey, out var u) && u is User owner ? owner.HomeDir : "",
                        VirtualPath = "/",
                        SshCommand = commandLine,
                        Protocol = "SSH",
                        ConnectionId = session.Id,
                        Succeeded = status == 0,
                    });
                }
            };
        };
        Sftp.SshServer.SessionEnded += OnSessionEnded;
        if (settings.Defender is not null || settings.RateLimiters is { IsEmpty: false })
        {
            Sftp.SshServer.ConnectionFilter = AllowConnection;
        }

        if (settings.Defender is { } defender)
        {
            Sftp.SshServer.ConnectionRefused += (remote, _) => defender.AddEvent(remote.Address, HostEvent.LimitExceeded);
        }
    }

    /// <summary>The accept-time check: banned or blocked sources, then the connection rate limiters.</summary>
    private bool AllowConnection(System.Net.IPEndPoint remote) =>
        !(_settings.Defender?.IsBanned(remote.Address) ?? false) && (_settings.RateLimiters?.AllowConnection(remote.Address) ?? true);

    /// <summary>The defender, when common.defender is enabled.</summary>
    public HostDefender? Defender => _settings.Defender;

    /// <summary>The SSH rate limiters, when configured.</summary>
    public RateLimiters? RateLimiters => _settings.RateLimiters;

    /// <summary>What happened (transfers, logins, user changes), for metrics and actions.</summary>
    public ServerEvents Events { get; }

    /// <summary>Where password and keyboard-interactive checks run: a bounded pool off the sessions' receive loops.</summary>
    public PasswordVerifier PasswordVerifier => _verifier;

    /// <summary>The data provider users are read from.</summary>
    public IDataProvider Provider => _provider;

    /// <summary>The SFTP server (connections, events).</summary>
    public SftpServer Sftp { get; }

    /// <summary>Starts listening.</summary>
    public void Start() => Sftp.Start(new System.Net.IPEndPoint(_settings.BindAddress, _settings.BindPort));

    private const string KeyboardInteractiveMethod = "keyboard-interactive";

    private async Task<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request)
    {
        var session = request.Session;
        string loginType = request switch
        {
            PublicKeyAuthenticationRequest => "public_key",
            KeyboardInteractiveAuthenticationRequest => KeyboardInteractiveMethod,
            _ => "password",
        };
        if (request is not PublicKeyAuthenticationRequest { IsQuery: true })
        {
            session.Items[AttemptedKey] = true;
            if (_settings.RateLimiters is { } limiters && !await limiters.AllowLoginAsync(session.RemoteEndPoint.Address).ConfigureAwait(false))
            {
                return Failed(request, loginType, "rate limit exceeded", defenderEvent: null);
            }
        }

        // keyboard-interactive without a hook is SFTPGo's: one "Password: " prompt, echo off,
        // then the very check of a password login. The prompt comes first, whoever the user is,
        // so the conversation does not tell whether the account exists. A client that walks
        // away instead of answering ends the attempt here (the SSH layer handles its message).
        string? password = request switch
        {
            PasswordAuthenticationRequest p => p.Password,
            KeyboardInteractiveAuthenticationRequest ki => (await ki.PromptAsync("", "", [new AuthenticationPrompt("Password: ", false)]).ConfigureAwait(false))[0],
            _ => null,
        };

        User? user;
        try
        {
            user = await _provider.GetUserAsync(request.UserName).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DataProviderException or System.Data.Common.DbException or IOException)
        {
            _log.Write("error", "dataprovider", $"cannot load user: {ex.Message}");
            return AuthenticationResult.Failure;
        }

        var address = session.RemoteEndPoint.Address;
        var now = DateTimeOffset.UtcNow;
        string? refusal = request switch
        {
            // One decision for every password failure, so each costs the same (LoginPolicy.CheckPassword).
            PasswordAuthenticationRequest or KeyboardInteractiveAuthenticationRequest => await CheckPasswordAsync(user, password!, address, now, session.Closed).ConfigureAwait(false),
            PublicKeyAuthenticationRequest k => user is null ? "user not found"
                : LoginPolicy.Check(user, address, now)
                ?? (k.Certificate is null && AuthorizedKeys(user).Contains(k.Key) ? null : "invalid credentials"), // no user CAs configured in serve yet
            _ => user is null ? "user not found" : "invalid credentials",
        };
        if (refusal is not null)
        {
            return Failed(request, loginType, refusal, user is null ? HostEvent.UserNotFound : HostEvent.LoginFailed);
        }

        if (request is PublicKeyAuthenticationRequest { IsQuery: true })
        {
            return AuthenticationResult.Success;
        }

        // Only a known user gets here with no refusal. The slot is taken last, once the
        // credentials are good, so failed attempts never hold one.
        ArgumentNullException.ThrowIfNull(user);
        if (!TryReserveSession(session, user))
        {
            return Failed(request, loginType, $"too many sessions (max_sessions {user.MaxSessions})", defenderEvent: null);
        }

        session.Items[UserKey] = user;
        Events.Raise(new LoginEvent(loginType, true, user.Username, session.RemoteEndPoint.Address));
        try
        {
            await _provider.UpdateLastLoginAsync(user.Username).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DataProviderException or System.Data.Common.DbException)
        {
            _log.Write("warn", "dataprovider", $"cannot record the last login of {user.Username}: {ex.Message}");
        }

        return AuthenticationResult.Success;
    }

    /// <summary>
    /// <see cref="LoginPolicy.CheckPassword"/> on the password verifier, never on the session's
    /// receive loop (which awaits this callback): the whole decision, the dummy verification of
    /// an unknown user included, so every attempt queues the same way whatever the account. A
    /// full queue fails the attempt at once, like a wrong password, with its own reason in the log.
    /// </summary>
    private async Task<string?> CheckPasswordAsync(User? user, string password, System.Net.IPAddress address, DateTimeOffset now, CancellationToken ct)
    {
        if (!_verifier.TryRun(() => LoginPolicy.CheckPassword(user, password, address, now), ct, out var check))
        {
            return PasswordVerifier.QueueFullReason;
        }

        try
        {
            return await check.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return "connection closed during password verification";
        }
        catch (ObjectDisposedException)
        {
            return "server stopping";
        }
    }

    // Once per report interval for a whole storm; each refused attempt also has its own connection_failed line.
    private void OnVerifierSaturated(string message) => _log.Write("warn", "service", message);

    private static List<SshPublicKey> AuthorizedKeys(User user)
    {
        var keys = new List<SshPublicKey>();
        foreach (var line in user.PublicKeys)
        {
            try
            {
                keys.Add(AuthorizedKeyEntry.Parse(line).Key);
            }
            catch (Exception ex) when (ex is FormatException or SshConnectionException)
            {
                // Validated on save; a key that no longer parses simply does not match.
            }
        }

        return keys;
    }

    private AuthenticationResult Failed(AuthenticationRequest request, string loginType, string error, HostEvent? defenderEvent)
    {
        if (request is not PublicKeyAuthenticationRequest { IsQuery: true })
        {
            LogConnectionFailed(request.Session, request.UserName, loginType, error);
            Events.Raise(new LoginEvent(loginType, false, request.UserName, request.Session.RemoteEndPoint.Address));
            if (defenderEvent is { } e)
            {
                _settings.Defender?.AddEvent(request.Session.RemoteEndPoint.Address, e);
            }
        }

        return AuthenticationResult.Failure;
    }

    /// <summary>The line fail2ban matches: sender connection_failed with client_ip and login_type.</summary>
    private void LogConnectionFailed(SshSession session, string username, string loginType, string error) =>
        _log.Write("warn", "connection_failed", $"login failed for {username} from {session.RemoteEndPoint.Address}", new Dictionary<string, object?>
        {
            ["username"] = username,
            ["client_ip"] = session.RemoteEndPoint.Address.ToString(),
            ["login_type"] = loginType,
            ["error"] = error,
        });

    /// <summary>
    /// Takes one of the user's max_sessions slots for <paramref name="session"/>, atomically (see
    /// <see cref="SessionSlots"/>). Under the same lock as <see cref="ReleaseSession"/>, so a
    /// session that ended while its password was being checked never keeps a slot.
    /// </summary>
    private bool TryReserveSession(SshSession session, User user)
    {
        lock (_sessionSlots.SyncRoot)
        {
            if (session.Items.ContainsKey(EndedKey))
            {
                return false;
            }

            if (session.Items.TryRemove(SlotKey, out var held) && held is string previous)
            {
                _sessionSlots.Release(previous); // a second success on one session holds one slot, not two
            }

            if (!_sessionSlots.TryAcquire(user.Username, user.MaxSessions))
            {
                return false;
            }

            session.Items[SlotKey] = user.Username;
            return true;
        }
    }

    /// <summary>Gives back the session's slot, if it took one; after this it cannot take one.</summary>
    private void ReleaseSession(SshSession session)
    {
        lock (_sessionSlots.SyncRoot)
        {
            session.Items[EndedKey] = true;
            if (session.Items.TryRemove(SlotKey, out var held) && held is string username)
            {
                _sessionSlots.Release(username);
            }
        }
    }

    private void OnSessionEnded(SshSession session)
    {
        ReleaseSession(session);
        bool attempted = session.Items.ContainsKey(AttemptedKey);
        if (!session.IsAuthenticated && !attempted)
        {
            LogConnectionFailed(session, "", "no_auth_tryed", session.CloseReason ?? "closed before authentication");
        }

        if (_settings.Defender is { } defender && !session.IsAuthenticated && session.CloseReason != "server stopping")
        {
            // OpenSSH's grace-exceeded penalty whatever the stage (version line, key exchange or
            // login timed out); otherwise SFTPGo's "no login tried".
            if (session.GraceExceeded)
            {
                defender.AddEvent(session.RemoteEndPoint.Address, HostEvent.GraceExceeded);
            }
            else if (!attempted)
            {
                defender.AddEvent(session.RemoteEndPoint.Address, HostEvent.NoLoginTried);
            }
        }
    }

    /// <summary>The user's storage: chrooted local directory, then quota, bandwidth, audit logs and permissions.</summary>
    private IFileSystem BuildFileSystem(SshSession session, string protocol)
    {
        if (!session.Items.TryGetValue(UserKey, out var value) || value is not User user)
        {
            throw new SftpException(SftpStatusCode.PermissionDenied, "not authenticated");
        }

        bool root = Environment.IsPrivilegedProcess;
        EnsureHome(user);

        var permissions = new PermissionSet(user.Permissions.ToDictionary(kv => kv.Key, kv => (IReadOnlyCollection<string>)kv.Value));
        IFileSystem fs = new LocalFileSystem(new LocalFileSystemOptions
        {
            RootDirectory = user.HomeDir,
            // PermissionFileSystem judges canonical paths and hands them down: where permissions differ,
            // a symlink swapped into such a path after the check fails the operation instead of redirecting it.
            RefuseSymlinksInPaths = !permissions.IsUniform,
            Umask = _settings.Umask,
            UploadMode = _settings.UploadMode,
            SetStatMode = _settings.SetStatMode,
            Uid = root && user.Uid > 0 ? (uint)user.Uid : null,
            Gid = root && user.Gid > 0 ? (uint)user.Gid : null,
        });
        bool hasLimits = user.QuotaSize > 0 || user.QuotaFiles > 0;
        if (_settings.TrackQuota == 1 || (_settings.TrackQuota == 2 && hasLimits))
        {
            fs = new QuotaFileSystem(fs, Tracker(user), _settings.UploadMode);
        }

        if (user.UploadBandwidth > 0 || user.DownloadBandwidth > 0)
        {
            fs = new ThrottledFileSystem(fs,
                user.UploadBandwidth > 0 ? new BandwidthLimiter(user.UploadBandwidth) : null,
                user.DownloadBandwidth > 0 ? new BandwidthLimiter(user.DownloadBandwidth) : null);
        }

        fs = new AuditFileSystem(fs, _log, user.Username, session.Id, protocol, Events, user.HomeDir);
        return new PermissionFileSystem(fs, permissions);
    }

    /// <summary>Creates a missing home, owned by the user's uid/gid when the server runs as root (whichever protocol logs in first).</summary>
    private static void EnsureHome(User user)
    {
        if (Directory.Exists(user.HomeDir))
        {
            return;
        }

        Directory.CreateDirectory(user.HomeDir);
        if (Environment.IsPrivilegedProcess && (user.Uid > 0 || user.Gid > 0))
        {
            File.SetUnixFileMode(user.HomeDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Chown(user.HomeDir, user.Uid, user.Gid);
        }
    }

    /// <summary>What rsync and git need: the physical home, permissions, the quota left, and who to run as.</summary>
    private SystemCommandContext? SystemContext(SshSession session)
    {
        if (!session.Items.TryGetValue(UserKey, out var value) || value is not User user)
        {
            return null;
        }

        EnsureHome(user);
        bool root = Environment.IsPrivilegedProcess;
        var tracker = user.QuotaSize > 0 || user.QuotaFiles > 0 ? Tracker(user) : null;
        return new SystemCommandContext
        {
            HomeDirectory = user.HomeDir,
            Permissions = new PermissionSet(user.Permissions.ToDictionary(kv => kv.Key, kv => (IReadOnlyCollection<string>)kv.Value)),
            RemainingQuotaBytes = tracker is not null && user.QuotaSize > 0 ? user.QuotaSize - tracker.UsedSize : null,
            RemainingQuotaFiles = tracker is not null && user.QuotaFiles > 0 ? user.QuotaFiles - tracker.UsedFiles : null,
            Uid = root && user.Uid > 0 ? user.Uid : null,
            Gid = root && user.Uid > 0 ? (user.Gid > 0 ? user.Gid : user.Uid) : null,
            OnFinished = () => RescanQuotaAsync(user),
        };
    }

    /// <summary>
    /// A system command changes files behind the quota layer's back, so afterwards the home is
    /// scanned and the used quota set to what is really there (SFTPGo does the same).
    /// </summary>
    private async Task RescanQuotaAsync(User user)
    {
        if (_settings.TrackQuota == 0)
        {
            return;
        }

        // Never follows a symlink (the scan may run as root) and counts like the live tracker;
        // the temporary files of atomic uploads in flight are left to their handles' charges.
        var tracker = Tracker(user);
        var scanned = await Task.Run(() => QuotaScanner.Scan(user.HomeDir, tracker.InFlightFiles())).ConfigureAwait(false);
        tracker.ApplyScan(scanned);
        long size = tracker.UsedSize;
        int files = tracker.UsedFiles;
        await _provider.UpdateQuotaAsync(user.Username, size, files, reset: true).ConfigureAwait(false);
    }

    /// <summary>The data provider's track_quota: 0 off, 1 every user, 2 users with limits.</summary>
    public int TrackQuota => _settings.TrackQuota;

    /// <summary>
    /// Measures <paramref name="user"/>'s home and sets the used quota, in the database and in the
    /// live tracker the user's sessions share, so the next upload is checked against it. False
    /// (nothing done) when track_quota is 0, as in SFTPGo.
    /// </summary>
    public async Task<bool> ScanQuotaAsync(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (_settings.TrackQuota == 0)
        {
            return false;
        }

        if (!Directory.Exists(user.HomeDir))
        {
            Tracker(user).Reset(0, 0);
            await _provider.UpdateQuotaAsync(user.Username, 0, 0, reset: true).ConfigureAwait(false);
            return true;
        }

        await RescanQuotaAsync(user).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Sets (<paramref name="reset"/>) or adds to the used quota of <paramref name="user"/> (loaded
    /// just before), in the database and in the live tracker. False (nothing done) when track_quota is 0.
    /// </summary>
    public async Task<bool> UpdateUsedQuotaAsync(User user, long size, int files, bool reset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (_settings.TrackQuota == 0)
        {
            return false;
        }

        var tracker = Tracker(user);
        if (reset)
        {
            tracker.Reset(size, files);
        }
        else
        {
            // An administrator's correction is not an upload: it may cross the limit, so it is
            // not a reservation (TryAddSize would refuse it).
            tracker.Reset(tracker.UsedSize + size, tracker.UsedFiles + files);
        }

        await _provider.UpdateQuotaAsync(user.Username, size, files, reset, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>One tracker per user on this node, so parallel sessions share the same count.</summary>
    private QuotaTracker Tracker(User user)
    {
        var tracker = _quotas.GetOrAdd(user.Username, _ => new QuotaTracker(user.UsedQuotaSize, user.UsedQuotaFiles, user.QuotaSize, user.QuotaFiles, enforce: true)
        {
            Persist = (size, files) => _provider.UpdateQuotaAsync(user.Username, size, files, reset: false),
        });
        tracker.LimitSize = user.QuotaSize;
        tracker.LimitFiles = user.QuotaFiles;
        return tracker;
    }

    private static void Chown(string path, int uid, int gid)
    {
        if (Native.Chown(path, uid, gid) != 0)
        {
            throw new IOException($"chown {path} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Stops listening and ends every session.</summary>
    public async ValueTask DisposeAsync()
    {
        await Sftp.DisposeAsync().ConfigureAwait(false);
        _verifier.Saturated -= OnVerifierSaturated;
        if (_ownsVerifier)
        {
            _verifier.Dispose();
        }
    }

    private static partial class Native
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
        public static partial int Chown(string path, int uid, int gid);
    }
}
