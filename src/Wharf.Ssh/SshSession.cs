using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh;

/// <summary>
/// One SSH connection on the server side: version exchange, key exchange and rekeying, user
/// authentication and the connection protocol. It runs a single receive loop; anything may send
/// (channel writers from other tasks included), serialised by one send lock and held back while
/// a key exchange is in progress.
/// </summary>
public sealed partial class SshSession : IAsyncDisposable
{
    private static long s_nextId;

    private readonly SshServer _server;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly HeldBackMessages _heldBack = new();
    private int _closed;
    private long _lastSendStartedTicks;
    private bool _sending;

    internal SshSession(SshServer server, Stream stream, IPEndPoint? remote, IPEndPoint? local, PipeReader? input = null, IPEndPoint? proxy = null)
    {
        _server = server;
        _stream = stream;
        RemoteEndPoint = remote ?? new IPEndPoint(IPAddress.None, 0);
        LocalEndPoint = local;
        ProxyEndPoint = proxy;
        Sequence = Interlocked.Increment(ref s_nextId);
        Id = Sequence.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        _input = input ?? CreateInput(stream);
        _reader = new PacketReader(_input, Options.MaxPacketLength);
        _writer = new PacketWriter(stream);
    }

    /// <summary>
    /// The reader a session reads its connection through. A PROXY header is read through the
    /// same reader before the session starts, so bytes after the header are never lost.
    /// </summary>
    internal static PipeReader CreateInput(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 128 * 1024, minimumReadSize: 16 * 1024));

    /// <summary>Server-unique connection id.</summary>
    public string Id { get; }

    /// <summary>
    /// The client's address and port: the socket's peer, or, when a PROXY protocol header named
    /// the client (<see cref="SshServerOptions.ProxyProtocol"/>), the client from the header.
    /// </summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>
    /// The socket's peer (the load balancer) when a PROXY protocol header supplied
    /// <see cref="RemoteEndPoint"/>; null for a connection taken as it came (no PROXY protocol,
    /// no header, or a header without an address such as a LOCAL health check).
    /// </summary>
    public IPEndPoint? ProxyEndPoint { get; }

    /// <summary>The local address and port the client connected to.</summary>
    public IPEndPoint? LocalEndPoint { get; }

    /// <summary>When the connection was accepted.</summary>
    public DateTimeOffset StartTime { get; } = DateTimeOffset.UtcNow;

    /// <summary>The client's identification string (without CR LF), once received.</summary>
    public string? ClientVersion { get; private set; }

    /// <summary>This server's identification string as sent to the client (without CR LF), once sent.</summary>
    public string? ServerVersion { get; private set; }

    /// <summary>The user name, once authentication succeeded.</summary>
    public string? UserName { get; private set; }

    /// <summary>True once user authentication succeeded.</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>Algorithms of the most recent key exchange.</summary>
    public NegotiatedAlgorithms? Algorithms { get; private set; }

    /// <summary>State the host attaches to the session (for example its user record).</summary>
    public ConcurrentDictionary<string, object?> Items { get; } = new();

    /// <summary>Cancelled when the session ends.</summary>
    public CancellationToken Closed => _lifetime.Token;

    /// <summary>How far the connection has got (only moves forward).</summary>
    public SshSessionStage Stage => (SshSessionStage)Volatile.Read(ref _stage);

    /// <summary>When <see cref="Stage"/> was entered (<see cref="Environment.TickCount64"/>).</summary>
    public long StageEnteredTicks => Volatile.Read(ref _stageTicks);

    private int _stage;
    private long _stageTicks = Environment.TickCount64;
    private int _evicted;

    /// <summary>The address this session counts against in the per-address limit, until released (SshServer).</summary>
    internal IPAddress? CountedAddress;

    /// <summary>1 while this session counts against the unauthenticated limit (SshServer).</summary>
    internal int CountedUnauthenticated;

    /// <summary>When the connection was accepted (<see cref="Environment.TickCount64"/>).</summary>
    internal long StartTicks { get; } = Environment.TickCount64;

    /// <summary>When the connection was accepted (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>: finer than the tick count's 4 ms).</summary>
    internal long StartTimestamp { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Order of acceptance (the number behind <see cref="Id"/>).</summary>
    internal long Sequence { get; }

    /// <summary>When the client's identification line arrived (<see cref="Environment.TickCount64"/>), or 0.</summary>
    internal long VersionReceivedTicks { get; private set; }

    /// <summary>
    /// True when the server ended this connection to make room for a newcomer: the slots were full
    /// and this connection had made the least progress (docs/availability.md).
    /// </summary>
    public bool IsEvicted => Volatile.Read(ref _evicted) == 1;

    /// <summary>False once the session was evicted or has ended.</summary>
    internal bool CanBeEvicted => Volatile.Read(ref _evicted) == 0;

    /// <summary>Marks the session ended so it can no longer be evicted; false when it already was.</summary>
    internal bool TryEndUnevicted() => Interlocked.CompareExchange(ref _evicted, 2, 0) == 0;

    /// <summary>True when a stage's time limit (version line, key exchange, login grace) ended the connection.</summary>
    public bool GraceExceeded { get; private set; }

    /// <summary>Bytes the peer has sent so far, counting those not yet read (0 when not over a socket).</summary>
    internal long PeerBytes => _stream is QuickAckNetworkStream q ? q.PeerBytes : 0;

    /// <summary>
    /// When the server had computed the first key exchange and sent its NEWKEYS
    /// (<see cref="Environment.TickCount64"/>), or 0 before.
    /// </summary>
    internal long KeysComputedTicks => Volatile.Read(ref _keysComputedTicks);

    private long _keysComputedTicks;

    /// <summary>Closes the connection for a newcomer unless another newcomer already took it.</summary>
    internal bool TryEvict()
    {
        if (Interlocked.CompareExchange(ref _evicted, 1, 0) != 0)
        {
            return false;
        }

        CloseReason ??= "evicted: connection slots full, and it had made the least progress";

        // Not inline: the caller is the accept loop, and cancelling runs the session's teardown
        // continuations on the cancelling thread (inline, the evicted socket was seen to stay open).
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Abort(s.CloseReason!), this, preferLocal: false);
        return true;
    }

    /// <summary>Ends the connection because <paramref name="what"/> (a stage's time limit).</summary>
    internal void EndForGrace(string what)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        GraceExceeded = true;
        if (Stage == SshSessionStage.AwaitingVersion)
        {
            // Nothing the peer could read has been agreed yet: just close.
            Abort(what);
        }
        else
        {
            CloseReason ??= what;
            _ = DisconnectAsync(SshDisconnectReason.ProtocolError, what);
        }
    }

    internal void Advance(SshSessionStage stage)
    {
        if ((int)stage > Volatile.Read(ref _stage))
        {
            Volatile.Write(ref _stageTicks, Environment.TickCount64);
            Volatile.Write(ref _stage, (int)stage);
        }
    }

    /// <summary>Why the session ended, once it has.</summary>
    public string? CloseReason { get; private set; }

    internal SshServerOptions Options => _server.Options;

    internal SshServer Server => _server;

    /// <summary>Sends SSH_MSG_DISCONNECT with <paramref name="reason"/> and closes the connection.</summary>
    public async Task DisconnectAsync(SshDisconnectReason reason, string description)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        await SendDisconnectAsync(reason, description).ConfigureAwait(false);
        Abort(description);
    }

    /// <summary>Runs the session until the connection ends; never throws for protocol errors.</summary>
    internal async Task RunAsync(CancellationToken serverStopping)
    {
        using var link = CancellationTokenSource.CreateLinkedTokenSource(serverStopping, _lifetime.Token);
        var ct = link.Token;
        using var grace = new CancellationTokenSource(Options.LoginGraceTime);
        using var graceReg = grace.Token.Register(() =>
        {
            if (!IsAuthenticated)
            {
                GraceExceeded = true;
                _ = DisconnectAsync(SshDisconnectReason.ProtocolError, "login grace time exceeded");
            }
        });
        Task? keepAlive = null;
        try
        {
            await ExchangeVersionsAsync(ct).ConfigureAwait(false);
            await StartKeyExchangeAsync(ct).ConfigureAwait(false);
            keepAlive = MonitorAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var payload = _pending ?? await _reader.ReadPacketAsync(ct).ConfigureAwait(false);
                _pending = null;
                if (payload.IsEmpty)
                {
                    CloseReason ??= "client closed the connection";
                    break;
                }

                await DispatchAsync(payload, ct).ConfigureAwait(false);
                if (!_kexInProgress && NeedsRekey())
                {
                    await StartKeyExchangeAsync(ct).ConfigureAwait(false);
                }
            }
        }
        catch (SshConnectionException ex)
        {
            Log(SshLogLevel.Information, $"disconnecting: {ex.Message}");
            CloseReason ??= ex.Message;
            if (ex.Reason != SshDisconnectReason.ConnectionLost)
            {
                await SendDisconnectAsync(ex.Reason, ex.Message).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            CloseReason ??= serverStopping.IsCancellationRequested ? "server stopping" : "closed";
            if (serverStopping.IsCancellationRequested)
            {
                await SendDisconnectAsync(SshDisconnectReason.ByApplication, "server shutting down").ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            CloseReason ??= "connection lost: " + ex.Message;
        }
        catch (Exception ex)
        {
            // A bug must cost this connection only, never the listener.
            Log(SshLogLevel.Error, $"internal error: {ex}");
            CloseReason ??= "internal error";
            await SendDisconnectAsync(SshDisconnectReason.ByApplication, "internal error").ConfigureAwait(false);
        }
        finally
        {
            Abort(CloseReason ?? "closed");
            CloseAllChannels();
            if (keepAlive is not null)
            {
                try
                {
                    await keepAlive.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    private ReadOnlyMemory<byte>? _pending;

    private async Task ExchangeVersionsAsync(CancellationToken ct)
    {
        var ours = "SSH-2.0-" + Options.SoftwareVersion;
        ServerVersion = ours;
        _serverVersion = Encoding.ASCII.GetBytes(ours);
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(ours + "\r\n"), ct).ConfigureAwait(false);
        var line = await VersionExchange.ReadClientVersionAsync(_input, ct).ConfigureAwait(false);
        if (line.Error is { } error)
        {
            // Before keys exist a plain text line is the only message the peer can read.
            CloseReason = error;
            try
            {
                await _stream.WriteAsync(Encoding.ASCII.GetBytes(error + "\r\n"), ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
            }

            throw new SshConnectionException(error, line.Reason);
        }

        ClientVersion = line.Version!;
        VersionReceivedTicks = Environment.TickCount64;
        Advance(SshSessionStage.AwaitingKexInit);
        _clientVersion = Encoding.ASCII.GetBytes(ClientVersion);
        Log(SshLogLevel.Debug, $"client version: {ClientVersion}");
    }

    private async Task DispatchAsync(ReadOnlyMemory<byte> payloadMemory, CancellationToken ct)
    {
        byte number = payloadMemory.Span[0];
        CheckAllowedDuringKex(number);
        switch (number)
        {
            case SshMessageNumber.Disconnect:
                {
                    var r = new SshReader(payloadMemory.Span[1..]);
                    uint reason = r.ReadUInt32();
                    string text = r.Remaining >= 4 ? r.ReadString() : "";
                    CloseReason = $"client disconnected ({reason}): {Sanitize(text)}";
                    Abort(CloseReason);
                    return;
                }

            case SshMessageNumber.Ignore:
            case SshMessageNumber.Debug:
            case SshMessageNumber.Unimplemented:
                return;
            case SshMessageNumber.KexInit:
                await OnKexInitAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
            case SshMessageNumber.NewKeys:
                await OnNewKeysAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
            case >= SshMessageNumber.KexFirst and <= SshMessageNumber.KexLast:
                await OnKexMethodMessageAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
        }

        if (_sessionId is null)
        {
            throw new SshConnectionException($"message {number} before the first key exchange completed");
        }

        switch (number)
        {
            case SshMessageNumber.ServiceRequest:
                await OnServiceRequestAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
            case SshMessageNumber.ExtInfo:
                return; // we did not ask for the client's extensions; nothing to act on
            case SshMessageNumber.UserAuthRequest:
                await OnUserAuthRequestAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
            case SshMessageNumber.UserAuthInfoResponse:
                throw new SshConnectionException("unexpected SSH_MSG_USERAUTH_INFO_RESPONSE");
            case >= SshMessageNumber.GlobalRequest and <= SshMessageNumber.ChannelFailure:
                if (!IsAuthenticated)
                {
                    throw new SshConnectionException($"connection protocol message {number} before authentication");
                }

                await OnConnectionMessageAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
            default:
                if (number is >= 50 and <= 79 && !_userAuthServiceAccepted)
                {
                    throw new SshConnectionException($"message {number} before ssh-userauth service");
                }

                await SendAsync(_reader.SequenceNumber - 1, static (w, seq) =>
                {
                    w.WriteByte(SshMessageNumber.Unimplemented);
                    w.WriteUInt32(seq);
                }, fromReceiveLoop: true).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>
    /// Sends one message. Messages other than transport and key exchange messages must wait
    /// while a key exchange is in progress (RFC 4253 §7.1): callers on other tasks wait for it to
    /// finish; the receive loop, which must keep reading to finish the exchange, queues them.
    /// </summary>
    internal async ValueTask SendAsync<T>(T state, Action<SshWriter, T> build, bool fromReceiveLoop = false, bool isKex = false, CancellationToken ct = default)
    {
        while (true)
        {
            Task? wait = null;
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _closed) != 0)
                {
                    throw new SshConnectionException("connection closed", SshDisconnectReason.ConnectionLost);
                }

                if (_kexInProgress && !isKex)
                {
                    if (fromReceiveLoop)
                    {
                        using var copy = new SshWriter();
                        build(copy, state);
                        _heldBack.Add(copy.ToArray());
                        return;
                    }

                    wait = _kexDone!.Task;
                }
                else
                {
                    build(_writer.Begin(), state);
                    await SendPacketLockedAsync(ct).ConfigureAwait(false);
                    if (!isKex && !_kexInProgress && NeedsRekey())
                    {
                        await SendKexInitLockedAsync(ct).ConfigureAwait(false);
                    }

                    return;
                }
            }
            finally
            {
                _sendLock.Release();
            }

            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Largest burst of channel data sealed before one socket write.</summary>
    private const int DataBurstBytes = 256 * 1024;

    /// <summary>
    /// Sends <paramref name="data"/> as SSH_MSG_CHANNEL_DATA (or EXTENDED_DATA when
    /// <paramref name="extendedType"/> is not 0) packets of at most <paramref name="maxPacket"/>
    /// bytes each, sealed back to back and written with one socket write per
    /// <see cref="DataBurstBytes"/>. The caller has already taken the window for all of it.
    /// Never called from the receive loop, so during a key exchange it waits for the exchange.
    /// </summary>
    internal async ValueTask SendChannelDataAsync(uint remoteId, uint extendedType, ReadOnlySequence<byte> data, int maxPacket, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacket, 1);
        while (!data.IsEmpty)
        {
            Task? wait = null;
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _closed) != 0)
                {
                    throw new SshConnectionException("connection closed", SshDisconnectReason.ConnectionLost);
                }

                if (_kexInProgress)
                {
                    wait = _kexDone!.Task;
                }
                else
                {
                    int burst = 0;
                    while (!data.IsEmpty && burst < DataBurstBytes)
                    {
                        int n = (int)Math.Min(data.Length, maxPacket);
                        var w = _writer.Begin();
                        w.WriteByte(extendedType == 0 ? SshMessageNumber.ChannelData : SshMessageNumber.ChannelExtendedData);
                        w.WriteUInt32(remoteId);
                        if (extendedType != 0)
                        {
                            w.WriteUInt32(extendedType);
                        }

                        w.WriteUInt32((uint)n);
                        data.Slice(0, n).CopyTo(w.GetSpan(n));
                        w.Advance(n);
                        data = data.Slice(n);
                        burst += n;
                        if (!data.IsEmpty && burst < DataBurstBytes)
                        {
                            _writer.Seal();
                        }
                    }

                    await SendPacketLockedAsync(ct).ConfigureAwait(false);
                    if (!_kexInProgress && NeedsRekey())
                    {
                        await SendKexInitLockedAsync(ct).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                _sendLock.Release();
            }

            if (wait is not null)
            {
                await wait.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends the packet in the writer; the caller holds the send lock.</summary>
    private async ValueTask SendPacketLockedAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            // The writer may already be disposed (DisposeAsync takes the lock to do it).
            throw new SshConnectionException("connection closed", SshDisconnectReason.ConnectionLost);
        }

        Volatile.Write(ref _lastSendStartedTicks, Environment.TickCount64);
        _sending = true;
        try
        {
            await _writer.SendAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            Abort("connection lost: " + ex.Message);
            throw new SshConnectionException("connection lost", SshDisconnectReason.ConnectionLost, ex);
        }
        finally
        {
            _sending = false;
        }
    }

    private async Task SendDisconnectAsync(SshDisconnectReason reason, string description)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (!await _sendLock.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false))
            {
                return;
            }

            try
            {
                var w = _writer.Begin();
                w.WriteByte(SshMessageNumber.Disconnect);
                w.WriteUInt32((uint)reason);
                w.WriteString(description);
                w.WriteString("");
                await _writer.SendAsync(timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException or SshConnectionException)
        {
            // The peer may already be gone; the disconnect message is a courtesy.
        }
    }

    /// <summary>Closes the connection without a goodbye.</summary>
    internal void Abort(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        CloseReason ??= reason;
        try
        {
            _lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            _stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }

        _kexDone?.TrySetCanceled();
    }

    /// <summary>Server keepalive, dead-peer detection, stalled writes and idle timeout.</summary>
    private async Task MonitorAsync(CancellationToken ct)
    {
        var interval = Options.KeepAliveInterval;
        var tick = interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(30);
        if (Options.IdleTimeout > TimeSpan.Zero && Options.IdleTimeout < tick)
        {
            tick = Options.IdleTimeout;
        }

        using var timer = new PeriodicTimer(tick);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            // A peer that stops reading blocks our writes; give up on it after the keepalive budget.
            if (_sending && interval > TimeSpan.Zero &&
                Environment.TickCount64 - Volatile.Read(ref _lastSendStartedTicks) > interval.TotalMilliseconds * Math.Max(1, Options.KeepAliveCountMax))
            {
                Abort("peer stopped reading");
                return;
            }

            if (Options.IdleTimeout > TimeSpan.Zero && IsAuthenticated &&
                Environment.TickCount64 - Volatile.Read(ref _lastActivityTicks) > Options.IdleTimeout.TotalMilliseconds)
            {
                await DisconnectAsync(SshDisconnectReason.ByApplication, "idle timeout").ConfigureAwait(false);
                return;
            }

            if (interval > TimeSpan.Zero && IsAuthenticated && !_kexInProgress)
            {
                if (Interlocked.Increment(ref _keepAlivesOutstanding) > Options.KeepAliveCountMax)
                {
                    await DisconnectAsync(SshDisconnectReason.ConnectionLost, "keepalive timeout").ConfigureAwait(false);
                    return;
                }

                await TrySendKeepAliveAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Sends a keepalive probe unless a send is already under way: the monitor must never wait
    /// behind a write that a stalled peer is blocking, or it could not notice the stall.
    /// </summary>
    private async Task TrySendKeepAliveAsync(CancellationToken ct)
    {
        if (!await _sendLock.WaitAsync(0, ct).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (_kexInProgress || Volatile.Read(ref _closed) != 0)
            {
                return;
            }

            var w = _writer.Begin();
            w.WriteByte(SshMessageNumber.GlobalRequest);
            w.WriteString("keepalive@openssh.com");
            w.WriteBoolean(true);
            await SendPacketLockedAsync(ct).ConfigureAwait(false);
        }
        catch (SshConnectionException)
        {
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private long _lastActivityTicks = Environment.TickCount64;
    private int _keepAlivesOutstanding;

    internal void Log(SshLogLevel level, string message) =>
        Options.Logger?.Invoke(level, $"[{Id} {RemoteEndPoint}] {message}");

    /// <summary>Keeps control characters from the peer out of logs.</summary>
    internal static string Sanitize(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, 256));
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, 256)))
        {
            sb.Append(char.IsControl(c) ? '?' : c);
        }

        return sb.ToString();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Abort("disposed");
        _reader.Dispose();

        // A channel writer on another task may still hold the send lock, sealing into the packet
        // buffer or writing it to the (now closed) socket. That buffer and the cipher contexts go
        // back to shared pools on dispose, so wait for the send to finish: after Abort every
        // sender that takes the lock sees the connection closed and touches nothing. A write that
        // does not return even then leaves the buffers to the garbage collector instead.
        if (await _sendLock.WaitAsync(SendDrainTimeout).ConfigureAwait(false))
        {
            try
            {
                _writer.Dispose();
            }
            finally
            {
                _sendLock.Release();
            }
        }
        else
        {
            Log(SshLogLevel.Warning, "a send was still in progress at teardown; its buffers are left to the collector");
        }

        _lifetime.Dispose();
    }

    private static readonly TimeSpan SendDrainTimeout = TimeSpan.FromSeconds(30);
}
