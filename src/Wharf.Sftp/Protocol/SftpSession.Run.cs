using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Protocol;

// The request pipeline. Packets are read continuously; a request with nothing to wait for starts
// at once on the read loop (READDIR and extensions on a task of their own), one that must wait
// runs as its own task when its turn comes, so replies may leave out of order (they carry ids).
// The replies to the requests read together are sent together when the batch has been started.
// Ordering rules, chosen to be obviously correct rather than maximally parallel:
//  - requests naming a handle run one at a time per handle, in arrival order (a CLOSE therefore
//    runs after every earlier READ/WRITE on its handle);
//  - every other request that touches the file system ("path requests", OPEN and OPENDIR
//    included) waits for everything that arrived before it, and everything after it waits for it.
// Only the file-system part of a request is ordered; its reply is sent afterwards, so the next
// request on the same handle already runs while the previous reply is being written.
public sealed partial class SftpSession
{
    private const int ExitClean = 0;
    private const int ExitProtocolError = 1;

    // Replies held back within a batch: more than this is flushed at once, so a batch of large
    // READs starts moving before the last of them is read.
    private const int BatchFlushBytes = 256 * 1024;

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Dictionary<string, Task> _handleTails = new(StringComparer.Ordinal);
    private readonly List<Task> _sectionsSincePathRequest = [];
    private Task _pathTail = Task.CompletedTask;
    private SftpHandleTable _handles = null!;
    private SemaphoreSlim _slots = null!;
    private CancellationTokenSource _cts = null!;
    private Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? _output;
    private ChannelOutputPump? _pipeOutput;
    private volatile bool _inBatch;
    private IFileOwnerNames? _owners;
    private string _home = "/";
    private int _started;
    private volatile bool _outputFailed;

    // Request objects and reply writers come back here once done with (64 requests in flight is
    // what OpenSSH's client keeps), and the handles named most recently are kept as strings: a
    // READ or WRITE of a transfer then allocates nothing.
    private readonly SparePool<SftpRequest> _spareRequests = new(128);
    private readonly SparePool<SshWriter> _spareReplies = new(128);
    private readonly string?[] _recentHandles = new string?[4];
    private int _recentHandleNext;

    /// <summary>
    /// Runs the session over any byte stream pair: requests from <paramref name="input"/>,
    /// replies through <paramref name="output"/> (never called concurrently; the memory passed is
    /// only valid until the returned task completes). Every handle is disposed (aborted, not
    /// closed) when the session ends. Returns 0 when the client ended the stream cleanly, 1 when
    /// the session was ended for a protocol violation (bad packet length, no INIT first, a
    /// truncated packet at end of stream), a failed output or cancellation. The caller keeps
    /// ownership of <paramref name="input"/> and completes it.
    /// </summary>
    public partial Task<int> RunAsync(PipeReader input, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        return RunCoreAsync(input, output, null, cancellationToken);
    }

    // Exactly one of output and pipeOutput is given. Replies written into pipeOutput are flushed
    // once per batch of requests read together (see ReadLoopAsync), not once each.
    private async Task<int> RunCoreAsync(PipeReader input, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? output, ChannelOutputPump? pipeOutput, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("An SftpSession runs only once.");
        }

        _output = output;
        _pipeOutput = pipeOutput;
        _owners = _fileSystem as IFileOwnerNames;
        _home = SftpPath.Normalize(_options.HomeDirectory ?? "/");
        _handles = new SftpHandleTable(Math.Max(0, _options.MaxHandles));
        int slots = Math.Max(1, _options.MaxConcurrentRequests);
        _slots = new SemaphoreSlim(slots, slots);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        int exit;
        try
        {
            exit = await ReadLoopAsync(input, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cancellation, or the output failing while VERSION was sent.
            exit = ExitProtocolError;
        }

        if (exit != ExitClean || _outputFailed)
        {
            exit = ExitProtocolError;
            await _cts.CancelAsync().ConfigureAwait(false);
        }

        // Every running request holds a slot: taking them all back waits for the last one.
        for (int i = 0; i < slots; i++)
        {
            await _slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            // Replies of the last batch, when the client ended the stream right after it.
            await EndBatchAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            exit = ExitProtocolError;
        }

        foreach (var handle in _handles.RemoveAll())
        {
            try
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // An abort that fails leaves nothing more to do for this handle; the others still get theirs.
            }
        }

        _cts.Dispose();
        return exit;
    }

    private async Task<int> ReadLoopAsync(PipeReader input, CancellationToken ct)
    {
        bool initDone = false;
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            _inBatch = true;
            try
            {
                while (buffer.Length >= 4)
                {
                    uint length = ReadLength(buffer);
                    if (length < 5 || length > (uint)Math.Max(5, _options.MaxPacketLength))
                    {
                        return ExitProtocolError;
                    }

                    if (buffer.Length - 4 < length)
                    {
                        break;
                    }

                    var body = buffer.Slice(4, length);
                    var request = SftpRequest.Create(body, _spareRequests);
                    buffer = buffer.Slice(body.End);

                    if (!initDone || request.Type == SftpPacketType.Init)
                    {
                        // INIT must come first and only once; it carries no request id, so
                        // there is no way to answer anything else with a status.
                        using (request)
                        {
                            if (initDone || request.Type != SftpPacketType.Init)
                            {
                                return ExitProtocolError;
                            }

                            await HandleInitAsync(ct).ConfigureAwait(false);
                            initDone = true;
                            continue;
                        }
                    }

                    try
                    {
                        // Back-pressure: with all slots busy the pipe is not read further, so
                        // the channel window closes and the client stops sending. What is
                        // answered so far goes out first: the client may wait for it.
                        if (!_slots.Wait(0, CancellationToken.None))
                        {
                            await EndBatchAsync(ct).ConfigureAwait(false);
                            await _slots.WaitAsync(ct).ConfigureAwait(false);
                            _inBatch = true;
                        }
                    }
                    catch
                    {
                        request.Dispose();
                        throw;
                    }

                    Dispatch(request);
                }

                if (_outputFailed)
                {
                    return ExitProtocolError;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    return buffer.Length == 0 && result.IsCompleted ? ExitClean : ExitProtocolError;
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            await EndBatchAsync(ct).ConfigureAwait(false);
        }
    }

    // The requests read together have been started: whatever they answered so far goes out
    // now, and replies finished from here on flush themselves.
    private async ValueTask EndBatchAsync(CancellationToken ct)
    {
        _inBatch = false;
        if (_pipeOutput is null)
        {
            return;
        }

        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await FlushLockedAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    // Under the send lock.
    private async ValueTask FlushLockedAsync(CancellationToken ct)
    {
        if (_pipeOutput is not { Pending: > 0 } pump || _outputFailed)
        {
            return;
        }

        try
        {
            await pump.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception)
        {
            _outputFailed = true;
            _cts.Cancel();
            throw;
        }
    }

    private static uint ReadLength(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> b = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(b);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    private async Task HandleInitAsync(CancellationToken ct)
    {
        // Whatever the client asks for, the answer is 3: it is the only version spoken here,
        // and a client asking for less than 3 gets the chance to hang up.
        ProtocolVersion = 3;
        var w = new SshWriter(1024);
        w.Reset(4);
        w.WriteByte((byte)SftpPacketType.Version);
        w.WriteUInt32(3);
        foreach (var (name, version) in SftpExtensionNames.Announced)
        {
            w.WriteString(name);
            w.WriteString(version);
        }

        await SendAsync(w, ct).ConfigureAwait(false);
    }

    private enum RequestLane
    {
        /// <summary>Touches no file-system state: needs no ordering.</summary>
        Free,

        /// <summary>Names one or two handles.</summary>
        Handle,

        /// <summary>Anything else: a barrier.</summary>
        Path,
    }

    private void Dispatch(SftpRequest request)
    {
        var lane = Classify(request, out string? key1, out string? key2);
        if (key2 == key1)
        {
            // copy-data may name one handle twice; it must not wait for itself.
            key2 = null;
        }

        List<Task>? deps = null;
        if (lane == RequestLane.Handle)
        {
            AddIfPending(ref deps, _pathTail);
            AddIfPending(ref deps, TailOf(key1));
            AddIfPending(ref deps, TailOf(key2));
        }
        else if (lane == RequestLane.Path)
        {
            AddIfPending(ref deps, _pathTail);
            foreach (var t in _sectionsSincePathRequest)
            {
                AddIfPending(ref deps, t);
            }
        }

        if (deps is null && request.Type is not (SftpPacketType.Readdir or SftpPacketType.Extended))
        {
            // Nothing to wait for and a bounded piece of work (one syscall or a few on a local
            // file system): run it here, as OpenSSH's sftp-server runs everything. A pipelined
            // transfer then costs no thread hop per request, and a small-file upload's OPEN,
            // WRITE, CLOSE none per round trip; a file system that really awaits (S3) returns at
            // its first await and the loop reads on. READDIR (a lstat per entry) and the
            // extensions (check-file hashes, copy-data copies whole files) keep a task of their own.
            RunInline(request, lane, key1, key2);
            return;
        }

        TaskCompletionSource? section = null;
        if (lane != RequestLane.Free)
        {
            section = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            EnterSection(lane, key1, key2, section.Task);
        }

        Task? wait = deps switch
        {
            null => null,
            [var only] => only,
            _ => Task.WhenAll(deps),
        };
        Queue(request, wait, section);

        static void AddIfPending(ref List<Task>? deps, Task? t)
        {
            if (t is { IsCompleted: false })
            {
                (deps ??= new List<Task>(4)).Add(t);
            }
        }
    }

    // Its own method: a lambda in Dispatch would capture Dispatch's parameter, and the closure
    // would be allocated on every call, the inline ones included.
    private void Queue(SftpRequest request, Task? wait, TaskCompletionSource? section) =>
        _ = Task.Run(() => ExecuteAsync(request, wait, section));

    private Task? TailOf(string? handle) =>
        handle is not null && _handleTails.TryGetValue(handle, out var tail) ? tail : null;

    // Records that the file-system part of a request is under way (section), for the requests
    // that must wait for it. A part already done is recorded as done: nothing waits for it.
    private void EnterSection(RequestLane lane, string? key1, string? key2, Task section)
    {
        if (lane == RequestLane.Handle)
        {
            foreach (var key in (ReadOnlySpan<string?>)[key1, key2])
            {
                if (key is not null)
                {
                    _handleTails[key] = section;
                }
            }

            if (!section.IsCompleted)
            {
                _sectionsSincePathRequest.Add(section);
                if (_sectionsSincePathRequest.Count > 256)
                {
                    _sectionsSincePathRequest.RemoveAll(t => t.IsCompleted);
                }
            }

            if (_handleTails.Count > 256)
            {
                foreach (var (k, t) in _handleTails)
                {
                    if (t.IsCompleted)
                    {
                        _handleTails.Remove(k);
                    }
                }
            }
        }
        else if (lane == RequestLane.Path)
        {
            _sectionsSincePathRequest.Clear();
            _pathTail = section;
        }
    }

    // Runs a request on the read loop. When its file-system part finishes before its first
    // await (a local file), nothing is left for later requests to wait for and no task or
    // completion source is made; otherwise the part still running becomes the section.
    private void RunInline(SftpRequest request, RequestLane lane, string? key1, string? key2)
    {
        uint id = request.Id;
        ValueTask<SshWriter> work;
        try
        {
            work = HandleRequestAsync(request, _cts.Token);
        }
        catch (Exception e)
        {
            work = ValueTask.FromException<SshWriter>(e);
        }

        if (!work.IsCompleted)
        {
            var running = work.AsTask();
            EnterSection(lane, key1, key2, running);
            _ = FinishAsync(request, id, running);
            return;
        }

        EnterSection(lane, key1, key2, Task.CompletedTask);
        SshWriter reply;
        try
        {
            reply = work.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            reply = StatusReply(id, e);
        }
        finally
        {
            request.Dispose();
        }

        _ = SendAndReleaseSlotAsync(reply);
    }

    private async Task FinishAsync(SftpRequest request, uint id, Task<SshWriter> running)
    {
        SshWriter reply;
        try
        {
            reply = await running.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            reply = StatusReply(id, e);
        }
        finally
        {
            request.Dispose();
        }

        await SendAndReleaseSlotAsync(reply).ConfigureAwait(false);
    }

    // A light look at the request, only to find which handles it names. A request too short to
    // tell is run as Free: its full parse fails and it is answered with BAD_MESSAGE.
    private RequestLane Classify(SftpRequest request, out string? key1, out string? key2)
    {
        key1 = key2 = null;
        try
        {
            var r = request.Reader();
            switch (request.Type)
            {
                case SftpPacketType.Close or SftpPacketType.Read or SftpPacketType.Write or SftpPacketType.Fstat
                    or SftpPacketType.Fsetstat or SftpPacketType.Readdir:
                    key1 = HandleKey(r.ReadBinary());
                    return RequestLane.Handle;
                case SftpPacketType.Open or SftpPacketType.Lstat or SftpPacketType.Setstat or SftpPacketType.Opendir
                    or SftpPacketType.Remove or SftpPacketType.Mkdir or SftpPacketType.Rmdir or SftpPacketType.Realpath
                    or SftpPacketType.Stat or SftpPacketType.Rename or SftpPacketType.Readlink or SftpPacketType.Symlink:
                    return RequestLane.Path;
                case SftpPacketType.Extended:
                    string name = Encoding.Latin1.GetString(r.ReadBinary());
                    switch (name)
                    {
                        case SftpExtensionNames.Fstatvfs or SftpExtensionNames.Fsync or SftpExtensionNames.CheckFileHandle:
                            key1 = HandleKey(r.ReadBinary());
                            return RequestLane.Handle;
                        case SftpExtensionNames.CopyData:
                            key1 = HandleKey(r.ReadBinary());
                            r.ReadUInt64();
                            r.ReadUInt64();
                            key2 = HandleKey(r.ReadBinary());
                            return RequestLane.Handle;
                        case SftpExtensionNames.Limits or SftpExtensionNames.HomeDirectory or SftpExtensionNames.UsersGroupsById:
                            return RequestLane.Free;
                        default:
                            return RequestLane.Path;
                    }

                default:
                    return RequestLane.Free;
            }
        }
        catch (SshConnectionException)
        {
            key1 = key2 = null;
            return RequestLane.Free;
        }
    }

    // Handles are looked up by string; a transfer names the same one in every request, so the
    // few named last are kept and reused. Any thread may call this: a slot is read or replaced
    // whole, and a race only costs a new string.
    private string HandleKey(ReadOnlySpan<byte> handle)
    {
        foreach (var recent in _recentHandles)
        {
            if (recent is not null && recent.Length == handle.Length && System.Text.Ascii.Equals(handle, recent))
            {
                return recent;
            }
        }

        var key = Encoding.Latin1.GetString(handle);
        RememberHandle(key);
        return key;
    }

    private void RememberHandle(string key) =>
        _recentHandles[(int)((uint)Interlocked.Increment(ref _recentHandleNext) % (uint)_recentHandles.Length)] = key;

    private async Task ExecuteAsync(SftpRequest request, Task? wait, TaskCompletionSource? section)
    {
        SshWriter? reply = null;
        uint id = request.Id;
        try
        {
            if (wait is not null)
            {
                try
                {
                    await wait.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // A request waited for may have failed (an inline one's own task is its
                    // section): that was answered to its own request; this one runs regardless.
                }
            }

            reply = await HandleRequestAsync(request, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            reply?.Dispose();
            reply = StatusReply(id, e);
        }
        finally
        {
            section?.TrySetResult();
            request.Dispose();
        }

        await SendAndReleaseSlotAsync(reply).ConfigureAwait(false);
    }

    private async Task SendAndReleaseSlotAsync(SshWriter reply)
    {
        try
        {
            await SendAsync(reply, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // SendAsync has already marked the session as failed; nothing is left to tell the client.
        }
        finally
        {
            _slots.Release();
        }
    }

    private SshWriter StatusReply(uint id, Exception e)
    {
        var (code, message) = e is SshConnectionException
            ? (SftpStatusCode.BadMessage, "malformed request")
            : SftpErrorMapper.Map(e);
        return StatusReply(id, code, message);
    }

    private SshWriter StatusReply(uint id, SftpStatusCode code, string? message = null)
    {
        var w = BeginReply(SftpPacketType.Status, id, 64 + (message?.Length * 3 ?? 32));
        w.WriteUInt32((uint)SftpErrorMapper.ForVersion(code, ProtocolVersion));
        w.WriteString(message ?? SftpErrorMapper.DefaultMessage(code));
        w.WriteString(string.Empty);
        return w;
    }

    /// <summary>A reply with its length field left to <see cref="SendAsync"/>.</summary>
    private SshWriter BeginReply(SftpPacketType type, uint id, int capacity = 256)
    {
        SshWriter w;
        if (_spareReplies.TryTake() is { } spare)
        {
            w = spare;
            w.EnsureCapacity(capacity);
        }
        else
        {
            w = new SshWriter(capacity);
        }

        w.Reset(4);
        w.WriteByte((byte)type);
        w.WriteUInt32(id);
        return w;
    }

    /// <summary>
    /// Sends a reply (its length field is filled in here) and takes it over: it is disposed once
    /// written, or handed to the pump, which disposes it once sent.
    /// </summary>
    private async Task SendAsync(SshWriter packet, CancellationToken ct)
    {
        bool owned = true;
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(packet.WrittenSpan, (uint)(packet.Length - 4));
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (_outputFailed)
                {
                    return;
                }

                if (_pipeOutput is { } pump)
                {
                    pump.Append(packet);
                    owned = false;
                    if (!_inBatch || pump.Pending >= BatchFlushBytes)
                    {
                        await FlushLockedAsync(ct).ConfigureAwait(false);
                    }
                }
                else
                {
                    await _output!(packet.WrittenMemory, ct).ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                // The channel is gone (or the session is being cancelled): stop reading requests.
                _outputFailed = true;
                _cts.Cancel();
                throw;
            }
            finally
            {
                _sendLock.Release();
            }
        }
        finally
        {
            if (owned)
            {
                RecycleReply(packet);
            }
        }
    }

    // A reply that has been sent (or dropped): its buffer goes back to the pool, the writer here.
    private void RecycleReply(SshWriter reply)
    {
        reply.Dispose();
        _spareReplies.Return(reply);
    }
}
