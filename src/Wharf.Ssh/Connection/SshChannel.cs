using System.Buffers;
using System.IO.Pipelines;
using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;

namespace Wharf.Ssh.Connection;

/// <summary>
/// A session channel (RFC 4254 §5-6). Data from the client arrives through <see cref="Input"/>;
/// the receive window is given back to the client only as the consumer advances past the data,
/// so a slow consumer slows the client instead of growing memory. Data to the client goes
/// through <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, which waits for the client's window.
/// </summary>
public sealed class SshChannel
{
    private readonly SshSession _session;
    private readonly Pipe _inbound;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _windowOpened = new(0);
    private readonly CancellationTokenSource _closed = new();
    private readonly InputScheduler _inputScheduler = new();
    private long _remoteWindow;
    private long _localWindow;
    private long _pendingCredit;
    private int _eofSent;
    private int _closeSent;

    internal SshChannel(SshSession session, uint localId, uint remoteId, uint remoteWindow, uint remoteMaxPacket, uint localWindow, uint localMaxPacket)
    {
        _session = session;
        LocalId = localId;
        RemoteId = remoteId;
        _remoteWindow = remoteWindow;
        RemoteMaxPacket = remoteMaxPacket;
        _localWindow = localWindow;
        LocalWindowSize = localWindow;
        LocalMaxPacket = localMaxPacket;
        // The window bounds what can be buffered, so the pipe itself never needs to push back.
        // 64 KiB segments: with 4 KiB ones, the megabytes a pipelining SFTP client keeps in
        // flight needed hundreds of pooled arrays at once, more than the shared pool keeps, and
        // every 32 KiB WRITE left ~29 KB of garbage (Wharf.Bench.Micro, Write32K).
        _inbound = new Pipe(new PipeOptions(readerScheduler: _inputScheduler, pauseWriterThreshold: 0, minimumSegmentSize: InboundSegmentSize, useSynchronizationContext: false));
        Input = new ChannelInputReader(this, _inbound.Reader);
    }

    /// <summary>The inbound pipe's segment size (also what the SFTP micro-benchmark feeds).</summary>
    internal const int InboundSegmentSize = 64 * 1024;

    /// <summary>Our channel number.</summary>
    public uint LocalId { get; }

    /// <summary>The client's channel number.</summary>
    public uint RemoteId { get; }

    /// <summary>Largest data packet the client accepts.</summary>
    public uint RemoteMaxPacket { get; }

    internal uint LocalWindowSize { get; }

    internal uint LocalMaxPacket { get; }

    /// <summary>The session the channel belongs to.</summary>
    public SshSession Session => _session;

    /// <summary>
    /// When true, code awaiting <see cref="Input"/> resumes on the connection's receive loop as
    /// soon as data arrives instead of being queued to the thread pool: one thread hop less per
    /// piece of data, which is most of a small request's round trip. Only for a consumer that
    /// never blocks its thread — everything it does between two reads is asynchronous or brief —
    /// because while it runs, the connection reads nothing else; a consumer that blocked waiting
    /// for more input or for window would never get it. Off by default; the SFTP subsystem sets it.
    /// </summary>
    public bool ResumeInputOnReceiveLoop
    {
        get => _inputScheduler.RunInline;
        set => _inputScheduler.RunInline = value;
    }

    /// <summary>Data the client sends (stdin, or the subsystem's request stream). Completes at the client's EOF or close.</summary>
    public PipeReader Input { get; }

    /// <summary>Environment variables the client set and the host allowed.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Cancelled when the channel is closed by either side or the connection ends.</summary>
    public CancellationToken Closed => _closed.Token;

    internal bool RemoteEof { get; private set; }

    internal bool RemoteClosed { get; private set; }

    internal bool LocalClosed => Volatile.Read(ref _closeSent) != 0;

    internal bool HandlerStarted { get; set; }

    /// <summary>Sends data to the client, honouring its window and maximum packet size.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(new ReadOnlySequence<byte>(data), 0, cancellationToken);

    /// <summary>
    /// Sends data held in several buffers (a pipe's segments, say) without first copying it into
    /// one: each packet is filled straight from the segments.
    /// </summary>
    public ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(data, 0, cancellationToken);

    /// <summary>Sends extended data (stderr, RFC 4254 §5.2 data type 1) to the client.</summary>
    public ValueTask WriteErrorAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(new ReadOnlySequence<byte>(data), 1, cancellationToken);

    private async ValueTask WriteCoreAsync(ReadOnlySequence<byte> data, uint extendedType, CancellationToken cancellationToken)
    {
        // Callers usually pass the channel's own Closed token (handlers get it as ctx.Aborted):
        // linking it again would allocate on every write of the data path for nothing.
        using var link = cancellationToken.CanBeCanceled && cancellationToken != _closed.Token
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token)
            : null;
        var ct = link?.Token ?? _closed.Token;
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _eofSent) != 0)
            {
                throw new InvalidOperationException("EOF already sent on this channel");
            }

            while (!data.IsEmpty)
            {
                long window;
                while ((window = Interlocked.Read(ref _remoteWindow)) <= 0)
                {
                    await _windowOpened.WaitAsync(ct).ConfigureAwait(false);
                }

                // All the window allows goes out in one call: the session seals it as packets of
                // the client's maximum size and writes them to the socket together.
                long n = Math.Min(data.Length, window);
                Interlocked.Add(ref _remoteWindow, -n);
                await _session.SendChannelDataAsync(RemoteId, extendedType, data.Slice(0, n), (int)Math.Min(RemoteMaxPacket, int.MaxValue), ct).ConfigureAwait(false);
                data = data.Slice(n);
                _session.Touch();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Tells the client no more data will come (SSH_MSG_CHANNEL_EOF).</summary>
    public async Task SendEofAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _eofSent, 1) != 0 || LocalClosed || RemoteClosed)
        {
            return;
        }

        await _session.SendAsync(RemoteId, static (w, id) =>
        {
            w.WriteByte(SshMessageNumber.ChannelEof);
            w.WriteUInt32(id);
        }, ct: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the channel: sends the exit status (when given), EOF and CLOSE. Safe to call more
    /// than once and after the client closed the channel.
    /// </summary>
    public async Task CloseAsync(int? exitStatus = null, CancellationToken cancellationToken = default)
    {
        try
        {
            if (exitStatus is { } status && !RemoteClosed && !LocalClosed)
            {
                await _session.SendAsync((RemoteId, status), static (w, s) =>
                {
                    w.WriteByte(SshMessageNumber.ChannelRequest);
                    w.WriteUInt32(s.RemoteId);
                    w.WriteString("exit-status");
                    w.WriteBoolean(false);
                    w.WriteUInt32((uint)s.status);
                }, ct: cancellationToken).ConfigureAwait(false);
            }

            await SendEofAsync(cancellationToken).ConfigureAwait(false);
            await SendCloseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SshConnectionException)
        {
            // The connection is gone; there is nobody left to tell.
        }
    }

    internal async Task SendCloseAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) != 0)
        {
            return;
        }

        await _session.SendAsync(RemoteId, static (w, id) =>
        {
            w.WriteByte(SshMessageNumber.ChannelClose);
            w.WriteUInt32(id);
        }, ct: ct).ConfigureAwait(false);
        _session.OnChannelMaybeFinished(this);
    }

    /// <summary>Receive loop: data from the client, already checked against the window and packet size.</summary>
    internal ValueTask<FlushResult> OnDataAsync(ReadOnlySpan<byte> data)
    {
        Interlocked.Add(ref _localWindow, -data.Length);
        _inbound.Writer.Write(data);
        return _inbound.Writer.FlushAsync();
    }

    /// <summary>Data charged to the window but not delivered (stderr from the client, or after close): credit it back at once.</summary>
    internal void OnConsumedDiscarded(int bytes)
    {
        Interlocked.Add(ref _localWindow, -bytes);
        OnConsumed(bytes);
    }

    /// <summary>Receive loop: answer the client's CLOSE without waiting behind a key exchange.</summary>
    internal async Task SendCloseAsyncFromReceiveLoop(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) != 0)
        {
            return;
        }

        await _session.SendAsync(RemoteId, static (w, id) =>
        {
            w.WriteByte(SshMessageNumber.ChannelClose);
            w.WriteUInt32(id);
        }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
    }

    internal long LocalWindowRemaining => Interlocked.Read(ref _localWindow);

    internal void OnWindowAdjust(uint bytes)
    {
        long after = Interlocked.Add(ref _remoteWindow, bytes);
        if (after > uint.MaxValue)
        {
            // RFC 4254 §5.2: a window may not grow beyond 2^32 - 1 bytes.
            throw new SshConnectionException("channel window adjusted beyond 2^32-1");
        }

        _windowOpened.Release();
    }

    internal void OnRemoteEof()
    {
        RemoteEof = true;
        _inbound.Writer.Complete();
    }

    internal void OnRemoteClose()
    {
        RemoteClosed = true;
        RemoteEof = true;
        _inbound.Writer.Complete();
        Abort();
    }

    /// <summary>The connection ended or the channel closed: wake and fail anyone waiting on it.</summary>
    internal void Abort()
    {
        _inbound.Writer.Complete();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The consumer advanced past <paramref name="bytes"/>: give them back to the client in batches.</summary>
    internal void OnConsumed(long bytes)
    {
        if (bytes <= 0 || RemoteClosed)
        {
            return;
        }

        long credit = Interlocked.Add(ref _pendingCredit, bytes);
        if (credit < LocalWindowSize / 2)
        {
            return;
        }

        credit = Interlocked.Exchange(ref _pendingCredit, 0);
        if (credit <= 0)
        {
            return;
        }

        Interlocked.Add(ref _localWindow, credit);
        _ = SendWindowAdjustAsync((uint)credit);
    }

    private async Task SendWindowAdjustAsync(uint credit)
    {
        try
        {
            await _session.SendAsync((RemoteId, credit), static (w, s) =>
            {
                w.WriteByte(SshMessageNumber.ChannelWindowAdjust);
                w.WriteUInt32(s.RemoteId);
                w.WriteUInt32(s.credit);
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SshConnectionException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
