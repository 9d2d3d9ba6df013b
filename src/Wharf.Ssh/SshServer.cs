using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Connection;
using Wharf.Ssh.Keys;

namespace Wharf.Ssh;

/// <summary>
/// An SSH-2 server. The host gives it options (host keys, algorithms, limits), decides
/// authentication through <see cref="Authenticate"/>, and provides what runs on channels
/// through <see cref="Subsystems"/>, <see cref="ExecHandler"/> and <see cref="ShellHandler"/>.
/// <code>
/// var server = new SshServer(options) { Authenticate = req => ... };
/// server.Subsystems["sftp"] = ctx => ...;
/// server.Start(new IPEndPoint(IPAddress.Loopback, 2022));
/// </code>
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SshSession, Task> _sessions = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private int _unauthenticated;

    /// <summary>Creates a server; <paramref name="options"/> are validated on <see cref="Start"/>.</summary>
    public SshServer(SshServerOptions options) => Options = options;

    /// <summary>The configuration.</summary>
    public SshServerOptions Options { get; }

    /// <summary>
    /// Decides every authentication attempt; without it every attempt fails. It is asked only
    /// about the methods in <see cref="SshServerOptions.AuthenticationMethods"/> (or the next
    /// methods of a partial success): list <c>keyboard-interactive</c> there to receive
    /// <see cref="KeyboardInteractiveAuthenticationRequest"/>.
    /// </summary>
    public Func<AuthenticationRequest, Task<AuthenticationResult>>? Authenticate { get; set; }

    /// <summary>Subsystems by name (for example <c>sftp</c>).</summary>
    public Dictionary<string, SshCommandHandler> Subsystems { get; } = new(StringComparer.Ordinal);

    /// <summary>Chooses the handler for an exec request, or returns null to refuse the command.</summary>
    public Func<SshSession, string, SshCommandHandler?>? ExecHandler { get; set; }

    /// <summary>Runs interactive shells; null refuses them.</summary>
    public SshCommandHandler? ShellHandler { get; set; }

    /// <summary>Decides which environment variables a client may set (name, value); none by default.</summary>
    public Func<SshSession, string, string, bool>? EnvironmentFilter { get; set; }

    /// <summary>Whether pty-req is accepted (the server never allocates a real terminal).</summary>
    public bool AllowPty { get; set; }

    /// <summary>Raised when a connection is accepted, before the version exchange.</summary>
    public event Action<SshSession>? SessionStarted;

    /// <summary>Raised when a connection has ended.</summary>
    public event Action<SshSession>? SessionEnded;

    /// <summary>Raised after a failed authentication attempt (for a defender or ban list).</summary>
    public event Action<SshSession>? AuthenticationFailed;

    /// <summary>Raised when a user authenticated.</summary>
    public event Action<SshSession>? Authenticated;

    /// <summary>
    /// Asked for every accepted connection before anything is sent or read, and before the
    /// connection limits are applied: false closes the socket at once, without a single byte
    /// written (a banned or rate-limited source). It runs on the accept loop, so it must be cheap
    /// (a dictionary lookup) and must not block; a filter that throws admits the connection.
    /// Dropped connections raise no event and are not logged here. Not applied to
    /// <see cref="HandleConnectionAsync"/>.
    /// </summary>
    public Func<IPEndPoint, bool>? ConnectionFilter { get; set; }

    /// <summary>
    /// Raised when the connection limits refuse a connection (remote end point and why); the
    /// socket is closed already. For a defender's "limit exceeded" score.
    /// </summary>
    public event Action<IPEndPoint, string>? ConnectionRefused;

    /// <summary>The sessions running now.</summary>
    public IReadOnlyCollection<SshSession> Sessions => [.. _sessions.Keys];

    /// <summary>Where the listener is bound (with the real port when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>Checks the options and starts accepting connections on <paramref name="endPoint"/>.</summary>
    public void Start(IPEndPoint endPoint)
    {
        ValidateOptions();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(endPoint);
        socket.Listen(512);
        _listener = socket;
        _acceptLoop = AcceptLoopAsync(socket);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is wrong.</summary>
    public void ValidateOptions()
    {
        if (Options.HostKeys.Count == 0)
        {
            throw new ArgumentException("at least one host key is required", nameof(SshServerOptions.HostKeys));
        }

        Check(Options.KeyExchangeAlgorithms, n => KeyExchangeCatalog.TryGet(n, out _), nameof(SshServerOptions.KeyExchangeAlgorithms));
        Check(Options.Ciphers, n => CipherCatalog.TryGet(n, out _), nameof(SshServerOptions.Ciphers));
        Check(Options.Macs, n => MacCatalog.TryGet(n, out _), nameof(SshServerOptions.Macs));
        Check(Options.Compressions, n => CompressionCatalog.All.Contains(n), nameof(SshServerOptions.Compressions));
        Check(Options.HostKeyAlgorithms, n => KnownSignatureAlgorithms.Contains(n), nameof(SshServerOptions.HostKeyAlgorithms));
        if (Options.AuthenticationMethods.FirstOrDefault(m => m is not ("publickey" or "password" or "keyboard-interactive")) is { } method)
        {
            throw new ArgumentException($"{nameof(SshServerOptions.AuthenticationMethods)}: unknown method '{method}' (publickey, password, keyboard-interactive)", nameof(SshServerOptions.AuthenticationMethods));
        }

        Check(Options.PublicKeyAlgorithms, n => KnownSignatureAlgorithms.Contains(n) || KnownSignatureAlgorithms.Contains(n.Replace("-cert-v01@openssh.com", "", StringComparison.Ordinal)), nameof(SshServerOptions.PublicKeyAlgorithms));
        if (!Options.HostKeyAlgorithms.Any(a => FindHostKey(a) is not null))
        {
            throw new ArgumentException("no host key matches any of the enabled host key algorithms", nameof(SshServerOptions.HostKeyAlgorithms));
        }

        if (Options.MaxPacketLength < 35000 || Options.MaxPacketLength > 16 * 1024 * 1024)
        {
            throw new ArgumentException("MaxPacketLength must be between 35000 and 16 MiB (RFC 4253 §6.1)", nameof(SshServerOptions.MaxPacketLength));
        }

        if (Options.ChannelMaxPacketSize + 1024 > Options.MaxPacketLength || Options.ChannelMaxPacketSize < 1024)
        {
            throw new ArgumentException("ChannelMaxPacketSize must leave room for headers within MaxPacketLength", nameof(SshServerOptions.ChannelMaxPacketSize));
        }

        foreach (var (name, value) in new[]
        {
            (nameof(SshServerOptions.LoginGraceTime), Options.LoginGraceTime), (nameof(SshServerOptions.MinLoginGraceTime), Options.MinLoginGraceTime),
            (nameof(SshServerOptions.VersionExchangeTimeout), Options.VersionExchangeTimeout), (nameof(SshServerOptions.MinVersionExchangeTimeout), Options.MinVersionExchangeTimeout),
            (nameof(SshServerOptions.KeyExchangeTimeout), Options.KeyExchangeTimeout), (nameof(SshServerOptions.MinKeyExchangeTimeout), Options.MinKeyExchangeTimeout),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive", name);
            }
        }

        if (Options.ChannelWindowSize < Options.ChannelMaxPacketSize)
        {
            throw new ArgumentException("ChannelWindowSize must hold at least one maximum packet", nameof(SshServerOptions.ChannelWindowSize));
        }

        if (Options.ProxyProtocol != ProxyProtocolMode.Off && Options.ProxyHeaderTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("ProxyHeaderTimeout must be positive", nameof(SshServerOptions.ProxyHeaderTimeout));
        }
    }

    private static readonly string[] KnownSignatureAlgorithms =
    [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
    ];

    private static void Check(List<string> names, Func<string, bool> known, string option)
    {
        if (names.Count == 0)
        {
            throw new ArgumentException($"{option} is empty", option);
        }

        foreach (var n in names)
        {
            if (!known(n))
            {
                throw new ArgumentException($"{option}: unknown algorithm '{n}'", option);
            }
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: back off instead of spinning, keep serving.
                Options.Logger?.Invoke(SshLogLevel.Warning, $"accept failed: {ex.Message}");
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            var remote = client.RemoteEndPoint as IPEndPoint;
            if (Options.ProxyProtocol != ProxyProtocolMode.Off)
            {
                // The filter and the limits judge the address the header names (RunProxiedSessionAsync).
                client.NoDelay = true;
                _ = RunProxiedSessionAsync(new Transport.QuickAckNetworkStream(client, QuickAckOperations), remote, client.LocalEndPoint as IPEndPoint, admit: true);
                continue;
            }

            if (!PassesConnectionFilter(remote))
            {
                client.Dispose();
                continue;
            }

            if (!Admit(remote?.Address))
            {
                Options.Logger?.Invoke(SshLogLevel.Warning, $"connection from {remote} refused: connection limit");
                client.Dispose();
                RaiseConnectionRefused(remote, "connection limit");
                continue;
            }

            client.NoDelay = true;
            var stream = new Transport.QuickAckNetworkStream(client, QuickAckOperations);
            _ = RunSessionAsync(stream, remote, client.LocalEndPoint as IPEndPoint, admitted: true);
        }
    }

    // The one place the filter is asked (with a PROXY header, after the header is read).
    private bool PassesConnectionFilter(IPEndPoint? remote)
    {
        if (ConnectionFilter is not { } filter || remote is null)
        {
            return true;
        }

        try
        {
            return filter(remote);
        }
        catch (Exception ex)
        {
            Options.Logger?.Invoke(SshLogLevel.Error, $"ConnectionFilter failed: {ex.Message}");
            return true;
        }
    }

    private void RaiseConnectionRefused(IPEndPoint? remote, string reason)
    {
        if (remote is null || ConnectionRefused is not { } handlers)
        {
            return;
        }

        try
        {
            handlers(remote, reason);
        }
        catch (Exception ex)
        {
            Options.Logger?.Invoke(SshLogLevel.Error, $"ConnectionRefused handler failed: {ex.Message}");
        }
    }

    private bool Admit(IPAddress? address)
    {
        bool totalFull = Options.MaxConnections > 0 && _sessions.Count - Volatile.Read(ref _evictedPending) >= Options.MaxConnections;
        bool preAuthFull = Options.MaxUnauthenticatedConnections > 0 && Volatile.Read(ref _unauthenticated) >= Options.MaxUnauthenticatedConnections;
        bool addressFull = false;
        if (address is not null && Options.MaxConnectionsPerAddress > 0)
        {
            addressFull = _perAddress.AddOrUpdate(address, 1, (_, c) => c + 1) > Options.MaxConnectionsPerAddress;
        }

        if (!totalFull && !preAuthFull && !addressFull)
        {
            return true;
        }

        // Full: the idle connection that has made the least progress gives way (of this address
        // when that address is at its limit, so one source cannot push out another's), never one
        // that is exchanging keys or authenticating. Its slots are released when it has closed.
        if (MakeRoom(addressFull ? address : null))
        {
            return true;
        }

        if (addressFull)
        {
            Release(address!);
        }

        return false;
    }

    private bool MakeRoom(IPAddress? address)
    {
        // Bounded: a victim that ends on its own between the pick and the eviction is skipped by
        // the next pick (CanBeEvicted), so this never spins.
        for (int attempt = 0; attempt < 8 && Admission.AdmissionPolicy.PickVictim(LiveSessions(), address) is { } victim; attempt++)
        {
            if (victim.TryEvict())
            {
                // Its slots are free from now on: under a flood, evicted connections closing on
                // the thread pool must not keep counting, or newcomers find the slots full of them.
                Interlocked.Increment(ref _evictedPending);
                ReleaseSlots(victim);
                Interlocked.Increment(ref _evictions);
                Options.Logger?.Invoke(SshLogLevel.Debug, $"connection {victim.Id} from {victim.RemoteEndPoint} evicted at stage {victim.Stage} ({victim.PeerBytes} bytes in {System.Diagnostics.Stopwatch.GetElapsedTime(victim.StartTimestamp).TotalMilliseconds:0} ms) for a newcomer");
                return true;
            }
        }

        return false;
    }

    private long _evictions;
    private int _evictedPending;

    /// <summary>Gives back what a session holds of the limits (once, whoever calls first).</summary>
    private void ReleaseSlots(SshSession session)
    {
        ReleaseUnauthenticated(session);
        if (Interlocked.Exchange(ref session.CountedAddress, null) is { } address)
        {
            Release(address);
        }
    }

    private void ReleaseUnauthenticated(SshSession session)
    {
        if (Interlocked.Exchange(ref session.CountedUnauthenticated, 0) == 1)
        {
            Interlocked.Decrement(ref _unauthenticated);
        }
    }

    // Enumerates without the locks and the copy that ConcurrentDictionary.Keys takes.
    private IEnumerable<SshSession> LiveSessions()
    {
        foreach (var kv in _sessions)
        {
            yield return kv.Key;
        }
    }

    /// <summary>Idle connections closed so far to make room for newcomers (docs/availability.md).</summary>
    public long EvictedConnections => Interlocked.Read(ref _evictions);

    /// <summary>Connections ended so far by a stage's time limit before authentication.</summary>
    public long GraceExpiredConnections => _watchdog?.Expired ?? 0;

    // How full the slots that bind this session are: the pre-authentication limit, and its
    // address's share of the per-address limit. Under pressure the grace times shrink.
    private double Pressure(SshSession session)
    {
        double p = Admission.AdmissionPolicy.Share(Volatile.Read(ref _unauthenticated), Options.MaxUnauthenticatedConnections);
        if (Options.MaxConnectionsPerAddress > 0 && _perAddress.TryGetValue(session.RemoteEndPoint.Address, out int n))
        {
            p = Math.Max(p, Admission.AdmissionPolicy.Share(n, Options.MaxConnectionsPerAddress));
        }

        return p;
    }

    private Admission.GraceWatchdog? _watchdog;

    private void EnsureWatchdog()
    {
        if (Volatile.Read(ref _watchdog) is null)
        {
            var w = new Admission.GraceWatchdog(Options, LiveSessions, Pressure);
            if (Interlocked.CompareExchange(ref _watchdog, w, null) is not null)
            {
                w.Dispose();
            }
        }
    }

    private void Release(IPAddress address)
    {
        while (_perAddress.TryGetValue(address, out int n))
        {
            if (n <= 1 ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, n)) : _perAddress.TryUpdate(address, n - 1, n))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs one SSH session over any duplex stream (a socket, or an in-memory pipe in tests)
    /// and completes when it ends. Connection limits are not applied here.
    /// </summary>
    public Task HandleConnectionAsync(Stream stream, IPEndPoint? remote = null, IPEndPoint? local = null) =>
        Options.ProxyProtocol == ProxyProtocolMode.Off
            ? RunSessionAsync(stream, remote, local, admitted: false)
            : RunProxiedSessionAsync(stream, remote, local, admit: false);

    private int _awaitingProxyHeader;

    /// <summary>
    /// PROXY protocol (<see cref="SshServerOptions.ProxyProtocol"/>): reads the header on this
    /// connection's own task — a slow header never holds up the accept loop — and only then
    /// admits by the address it names, so per-address limits count real clients, not the
    /// balancer. Connections still waiting for a header are bounded by
    /// <see cref="SshServerOptions.MaxUnauthenticatedConnections"/> and the header timeout.
    /// </summary>
    private async Task RunProxiedSessionAsync(Stream stream, IPEndPoint? peer, IPEndPoint? local, bool admit)
    {
        var input = SshSession.CreateInput(stream);
        Transport.ProxyGateResult gate;
        int waiting = Interlocked.Increment(ref _awaitingProxyHeader);
        try
        {
            gate = Options.MaxUnauthenticatedConnections > 0 && waiting > Options.MaxUnauthenticatedConnections
                ? new(peer, null, "too many connections waiting for their PROXY header")
                : await Transport.ProxyProtocolGate.PassAsync(Options, input, peer, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            gate = new(peer, null, "connection lost while reading the PROXY header: " + ex.Message, Quiet: true);
        }
        finally
        {
            Interlocked.Decrement(ref _awaitingProxyHeader);
        }

        string? refusal = gate.Refusal;
        if (refusal is null && !PassesConnectionFilter(gate.Client))
        {
            // Filtered (banned): closed without a word, and without a log line per connection.
            await input.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }

        if (refusal is null && admit && !Admit(gate.Client?.Address))
        {
            refusal = "connection limit";
            RaiseConnectionRefused(gate.Client, refusal);
        }

        if (refusal is not null)
        {
            Options.Logger?.Invoke(gate.Quiet ? SshLogLevel.Debug : SshLogLevel.Warning,
                gate.Proxy is null ? $"connection from {peer} refused: {refusal}" : $"connection from {gate.Client} via proxy {peer} refused: {refusal}");
            await input.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }

        await RunSessionAsync(stream, gate.Client, local, admitted: admit, input, gate.Proxy).ConfigureAwait(false);
    }

    // Reads and writes with TCP_QUICKACK re-armed: the key exchange, authentication and a few
    // requests after them (see QuickAckNetworkStream).
    private const int QuickAckOperations = 64;

    private async Task RunSessionAsync(Stream stream, IPEndPoint? remote, IPEndPoint? local, bool admitted, System.IO.Pipelines.PipeReader? input = null, IPEndPoint? proxy = null)
    {
        var session = new SshSession(this, stream, remote, local, input, proxy);
        EnsureWatchdog();
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (admitted && remote is not null && Options.MaxConnectionsPerAddress > 0)
        {
            session.CountedAddress = remote.Address;
        }

        session.CountedUnauthenticated = 1;
        Interlocked.Increment(ref _unauthenticated);
        _sessions[session] = tcs.Task;
        try
        {
            SessionStarted?.Invoke(session);
            await Task.Yield();
            await session.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            ReleaseSlots(session);
            if (!session.TryEndUnevicted())
            {
                Interlocked.Decrement(ref _evictedPending);
            }

            _sessions.TryRemove(session, out _);
            await session.DisposeAsync().ConfigureAwait(false);
            try
            {
                SessionEnded?.Invoke(session);
            }
            catch (Exception ex)
            {
                Options.Logger?.Invoke(SshLogLevel.Error, $"SessionEnded handler failed: {ex.Message}");
            }

            tcs.TrySetResult();
        }
    }

    internal void OnAuthenticated(SshSession session)
    {
        ReleaseUnauthenticated(session);
        Authenticated?.Invoke(session);
    }

    internal void OnAuthenticationFailed(SshSession session) => AuthenticationFailed?.Invoke(session);

    /// <summary>The host key that signs with <paramref name="signatureAlgorithm"/>, if any.</summary>
    internal SshPrivateKey? FindHostKey(string signatureAlgorithm)
    {
        foreach (var key in Options.HostKeys)
        {
            if (key.PublicKey.SignatureAlgorithms.Contains(signatureAlgorithm))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Stops listening, disconnects every session and waits for them to end.</summary>
    public async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }

        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        await Task.WhenAll(_sessions.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _watchdog?.Dispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _stopping.Dispose();
    }
}
