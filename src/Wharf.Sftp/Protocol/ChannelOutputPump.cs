using System.Buffers;
using Wharf.Ssh.Connection;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// Gathers SFTP replies and sends them to the channel in batches. A 32 KiB READ reply is 13
/// bytes longer than OpenSSH's 32 KiB channel packet, so sent one by one every reply would cost
/// a full packet plus a tiny one; the session appends the replies of a batch of requests and
/// sends them with one <see cref="FlushAsync"/>, as full packets. The replies are not copied on
/// the way: the queue holds the reply buffers themselves, the channel fills its packets straight
/// from them, and they go back to their pool once sent. Not thread-safe: the session calls it
/// under its send lock.
/// </summary>
internal sealed class ChannelOutputPump
{
    private readonly SshChannel _channel;
    private readonly Action<SshWriter> _recycle;
    private ReplySegment? _head;
    private ReplySegment? _tail;
    private ReplySegment? _free;

    /// <summary>A pump for <paramref name="channel"/>; sent replies are disposed and handed to <paramref name="recycle"/>.</summary>
    public ChannelOutputPump(SshChannel channel, Action<SshWriter> recycle)
    {
        _channel = channel;
        _recycle = recycle;
    }

    /// <summary>Bytes appended and not yet sent.</summary>
    public long Pending { get; private set; }

    /// <summary>Queues a reply; the pump owns (and disposes) it from here on.</summary>
    public void Append(SshWriter reply)
    {
        // Segments are reused, as the replies are: a transfer allocates nothing per reply.
        var segment = _free ?? new ReplySegment();
        _free = segment.NextReply;
        segment.Set(reply, _tail is null ? 0 : _tail.RunningIndex + _tail.Memory.Length);
        if (_tail is null)
        {
            _head = segment;
        }
        else
        {
            _tail.Link(segment);
        }

        _tail = segment;
        Pending += reply.Length;
    }

    /// <summary>Sends everything queued so far.</summary>
    public async ValueTask FlushAsync(CancellationToken ct)
    {
        var head = _head;
        var tail = _tail;
        if (head is null || tail is null)
        {
            return;
        }

        _head = _tail = null;
        Pending = 0;
        try
        {
            await _channel.WriteAsync(new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length), ct).ConfigureAwait(false);
        }
        finally
        {
            Release(head);
        }
    }

    /// <summary>Drops what was never sent (the session is over). Must not race a <see cref="FlushAsync"/>.</summary>
    public void Complete()
    {
        var head = _head;
        _head = _tail = null;
        Pending = 0;
        Release(head);
    }

    private void Release(ReplySegment? segment)
    {
        while (segment is not null)
        {
            var next = segment.NextReply;
            var reply = segment.Reply!;
            segment.Clear();
            segment.Link(_free);
            _free = segment;
            reply.Dispose();
            _recycle(reply);
            segment = next;
        }
    }

    private sealed class ReplySegment : ReadOnlySequenceSegment<byte>
    {
        public SshWriter? Reply { get; private set; }

        public ReplySegment? NextReply => (ReplySegment?)Next;

        public void Set(SshWriter reply, long runningIndex)
        {
            Reply = reply;
            Memory = reply.WrittenMemory;
            RunningIndex = runningIndex;
            Next = null;
        }

        public void Clear()
        {
            Reply = null;
            Memory = default;
        }

        public void Link(ReplySegment? next) => Next = next;
    }
}
