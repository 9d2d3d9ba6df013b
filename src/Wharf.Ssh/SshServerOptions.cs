using Wharf.Ssh.Keys;

namespace Wharf.Ssh;

/// <summary>
/// Configuration of an <see cref="SshServer"/>. Algorithm lists are wire names in preference
/// order; defaults are the strongest first, in OpenSSH's order where it has one, without the
/// algorithms that ssh-audit fails (SHA-1, NIST curves), which remain available by name.
/// </summary>
public sealed class SshServerOptions
{
    /// <summary>Software version sent in the identification line (<c>SSH-2.0-{SoftwareVersion}</c>).</summary>
    public string SoftwareVersion { get; set; } = "Wharf_" + (typeof(SshServerOptions).Assembly.GetName().Version?.ToString(3) ?? "0.1.0");

    /// <summary>Host keys; one per type is usual. At least one is required.</summary>
    public List<SshPrivateKey> HostKeys { get; } = [];

    /// <summary>
    /// Key exchange methods offered. The post-quantum hybrids come first, as in OpenSSH 10
    /// (whose clients warn when a server has none); mlkem768nistp256-sha256 stays available by
    /// name only, like OpenSSH, which does not offer it by default either.
    /// </summary>
    public List<string> KeyExchangeAlgorithms { get; set; } =
    [
        "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256", "curve25519-sha256@libssh.org",
        "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256",
    ];

    /// <summary>Host key signature algorithms offered (only those with a matching host key are sent).</summary>
    public List<string> HostKeyAlgorithms { get; set; } = ["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"];

    /// <summary>Ciphers offered, both directions.</summary>
    public List<string> Ciphers { get; set; } =
    [
        "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
        "aes128-ctr", "aes192-ctr", "aes256-ctr",
    ];

    /// <summary>MACs offered for non-AEAD ciphers, both directions.</summary>
    public List<string> Macs { get; set; } =
    [
        "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
    ];

    /// <summary>
    /// Compression methods offered, both directions. The default leaves out plain <c>zlib</c>,
    /// which compresses from the first encrypted packet — before the client has authenticated,
    /// so anyone who can connect reaches the inflater (OpenSSH 7.4 dropped it for that reason);
    /// <c>zlib@openssh.com</c> starts only after authentication. <c>zlib</c> stays available by name.
    /// </summary>
    public List<string> Compressions { get; set; } = ["none", "zlib@openssh.com"];

    /// <summary>Public key algorithms accepted for user authentication (also sent as server-sig-algs).</summary>
    public List<string> PublicKeyAlgorithms { get; set; } =
    [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "rsa-sha2-512", "rsa-sha2-256",
        "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
    ];

    /// <summary>
    /// Authentication methods offered while nothing has succeeded yet: any of <c>publickey</c>,
    /// <c>password</c> and <c>keyboard-interactive</c>. A request for a method not offered is
    /// answered with the list and does not count against <see cref="MaxAuthAttempts"/>.
    /// <c>keyboard-interactive</c> is not offered by default: add it when the host's
    /// <see cref="SshServer.Authenticate"/> answers
    /// <see cref="Authentication.KeyboardInteractiveAuthenticationRequest"/> (offered without a
    /// handler, clients that prefer it — PuTTY, SSH.NET, ssh2 — would spend an attempt on a
    /// method that can only fail).
    /// </summary>
    public List<string> AuthenticationMethods { get; set; } = ["publickey", "password"];

    /// <summary>Certificate authorities trusted to sign user certificates.</summary>
    public List<SshPublicKey> TrustedUserCaKeys { get; } = [];

    /// <summary>Smallest RSA user or CA key accepted, in bits.</summary>
    public int MinimumRsaKeyBits { get; set; } = 2048;

    /// <summary>
    /// Time allowed from connect to successful authentication. Under pressure (more than half the
    /// pre-authentication slots of <see cref="MaxUnauthenticatedConnections"/>, or of the
    /// client's address under <see cref="MaxConnectionsPerAddress"/>, in use) it shrinks linearly
    /// towards <see cref="MinLoginGraceTime"/>, reached when the slots are full.
    /// </summary>
    public TimeSpan LoginGraceTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>What <see cref="LoginGraceTime"/> shrinks to when the slots are full.</summary>
    public TimeSpan MinLoginGraceTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Time allowed from connect to the client's identification line; a client sends it at once,
    /// a squatter never or a byte at a time. Shrinks under pressure like <see cref="LoginGraceTime"/>.
    /// </summary>
    public TimeSpan VersionExchangeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>What <see cref="VersionExchangeTimeout"/> shrinks to when the slots are full.</summary>
    public TimeSpan MinVersionExchangeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Time allowed from the identification line to the end of the initial key exchange. Shrinks
    /// under pressure like <see cref="LoginGraceTime"/>.
    /// </summary>
    public TimeSpan KeyExchangeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What <see cref="KeyExchangeTimeout"/> shrinks to when the slots are full.</summary>
    public TimeSpan MinKeyExchangeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Failed authentication attempts allowed per connection ("none" and public key queries do not count).</summary>
    public int MaxAuthAttempts { get; set; } = 6;

    /// <summary>Delay after each failed password or keyboard-interactive attempt, to slow guessing.</summary>
    public TimeSpan FailedAuthDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Text sent as SSH_MSG_USERAUTH_BANNER before authentication, or null for none.</summary>
    public string? Banner { get; set; }

    /// <summary>Rekey after this many bytes in either direction (RFC 4344 recommends at most 1 GiB).</summary>
    public long RekeyBytes { get; set; } = 1L << 30;

    /// <summary>Rekey after this much time.</summary>
    public TimeSpan RekeyInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Largest packet_length accepted (payload plus padding). Room for 256 KiB of channel data.</summary>
    public int MaxPacketLength { get; set; } = 256 * 1024 + 16 * 1024;

    /// <summary>Receive window advertised for each channel.</summary>
    public uint ChannelWindowSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest channel data packet accepted from the client.</summary>
    public uint ChannelMaxPacketSize { get; set; } = 256 * 1024;

    /// <summary>Channels a connection may have open at once.</summary>
    public int MaxChannelsPerConnection { get; set; } = 10;

    /// <summary>Interval of server keepalive probes (keepalive@openssh.com), or zero to disable.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Unanswered keepalive probes after which the peer is considered dead.</summary>
    public int KeepAliveCountMax { get; set; } = 3;

    /// <summary>Disconnect a session with no channel activity for this long, or zero for never.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Connections accepted at once (0 = unlimited); when full, idle unauthenticated connections give way as for <see cref="MaxUnauthenticatedConnections"/>.</summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// Connections at once from one source address (0 = unlimited). When an address is at its
    /// limit, its newcomer takes the place of that address's idle connection that has made the
    /// least progress (no identification line, then no KEXINIT, then no authentication request),
    /// oldest first; a connection exchanging keys or authenticating is never displaced.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 20;

    /// <summary>
    /// Connections that have not finished authentication, at once (OpenSSH's MaxStartups). When
    /// full, a newcomer takes the place of the idle connection that has made the least progress, as
    /// for <see cref="MaxConnectionsPerAddress"/>; only when none is idle is it refused.
    /// </summary>
    public int MaxUnauthenticatedConnections { get; set; } = 100;

    /// <summary>
    /// PROXY protocol on accepted connections (<see cref="ProxyProtocolMode"/>). When it is on,
    /// the header is read before anything is sent and before per-address admission, so
    /// <see cref="SshSession.RemoteEndPoint"/>, the connection limits and the host's filters all
    /// see the client named in the header. Only <see cref="SshServer.Start"/>'s listener and
    /// <see cref="SshServer.HandleConnectionAsync"/> read it.
    /// </summary>
    public ProxyProtocolMode ProxyProtocol { get; set; }

    /// <summary>
    /// Sources (the socket's peer: the load balancer) trusted to send a PROXY header. Empty
    /// means none: with <see cref="ProxyProtocolMode.Accept"/> every header is refused, with
    /// <see cref="ProxyProtocolMode.Require"/> every connection not in <see cref="ProxySkipped"/>.
    /// IPv4-mapped IPv6 peers are matched as IPv4.
    /// </summary>
    public List<System.Net.IPNetwork> ProxyAllowed { get; set; } = [];

    /// <summary>
    /// Sources whose connections are taken as they come: no header is looked for (a header they
    /// send fails the version exchange), none is required. Checked before <see cref="ProxyAllowed"/>.
    /// </summary>
    public List<System.Net.IPNetwork> ProxySkipped { get; set; } = [];

    /// <summary>
    /// How long a connection may take to deliver its whole PROXY header (the spec asks for at
    /// least 3 s, to cover a TCP retransmission). With <see cref="ProxyProtocolMode.Accept"/> a
    /// connection that has sent nothing by then is taken as plain; a partial header is refused.
    /// </summary>
    public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Receives diagnostic messages. Never given secrets.</summary>
    public Action<SshLogLevel, string>? Logger { get; set; }
}

/// <summary>Severity of a log message.</summary>
public enum SshLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}
