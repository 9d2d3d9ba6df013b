using System.Net;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Ssh.Keys;

namespace Wharf.Server.Hosting;

/// <summary>What the running service needs, resolved from the configuration (paths read, names checked).</summary>
public sealed class ServeSettings
{
    public IPAddress BindAddress { get; init; } = IPAddress.Any;
    public int BindPort { get; init; } = 2022;
    public required IReadOnlyList<SshPrivateKey> HostKeys { get; init; }
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(15);
    public int MaxAuthTries { get; init; } = 6;
    public uint Umask { get; init; } = 0x12;
    public UploadMode UploadMode { get; init; } = UploadMode.Standard;
    public SetStatMode SetStatMode { get; init; } = SetStatMode.Normal;
    public string? SoftwareVersion { get; init; }
    public string? LoginBanner { get; init; }
    public IReadOnlyList<string> KexAlgorithms { get; init; } = [];
    public IReadOnlyList<string> Ciphers { get; init; } = [];
    public IReadOnlyList<string> Macs { get; init; } = [];
    public IReadOnlySet<string> EnabledSshCommands { get; init; } = new HashSet<string>(["md5sum", "sha1sum", "cd", "pwd"]);
    /// <summary>Offer keyboard-interactive, answered by a "Password: " prompt checked like a password.</summary>
    public bool KeyboardInteractive { get; init; } = true;
    public int MaxConnections { get; init; }

    /// <summary>Unauthenticated connections at once (0 unlimited).</summary>
    public int MaxUnauthenticatedConnections { get; init; } = 100;
    public int MaxConnectionsPerAddress { get; init; } = 20;

    /// <summary>PROXY protocol on the SFTP listener (common.proxy_protocol).</summary>
    public Wharf.Ssh.ProxyProtocolMode ProxyProtocol { get; init; }

    /// <summary>Sources allowed to send a PROXY header (common.proxy_allowed).</summary>
    public IReadOnlyList<IPNetwork> ProxyAllowed { get; init; } = [];

    /// <summary>Sources never read for a PROXY header (common.proxy_skipped).</summary>
    public IReadOnlyList<IPNetwork> ProxySkipped { get; init; } = [];

    /// <summary>0 off, 1 track and enforce, 2 only for users with a quota.</summary>
    public int TrackQuota { get; init; } = 1;

    /// <summary>common.defender when enabled: bans checked at accept, events fed from logins and session ends.</summary>
    public Defense.HostDefender? Defender { get; init; }

    /// <summary>common.rate_limiters for SSH (connections and login attempts).</summary>
    public Defense.RateLimiters? RateLimiters { get; init; }
}
