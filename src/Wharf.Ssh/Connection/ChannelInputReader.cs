using System.Buffers;
using System.IO.Pipelines;

namespace Wharf.Ssh.Connection;

/// <summary>
/// Wraps the channel's inbound pipe reader to learn how many bytes the consumer has consumed,
/// which is what the channel gives back to the client as window.
/// </summary>
internal sealed class ChannelInputReader : PipeReader
{
    private readonly SshChannel _channel;
    private readonly PipeReader _inner;
    private ReadOnlySequence<byte> _last;

    public ChannelInputReader(SshChannel channel, PipeReader inner)
    {
        _channel = channel;
        _inner = inner;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long n = _last.Slice(_last.Start, consumed).Length;
        _last = default;
        _inner.AdvanceTo(consumed, examined);
        _channel.OnConsumed(n);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        _last = result.Buffer;
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_inner.TryRead(out result))
        {
            _last = result.Buffer;
            return true;
        }

        return false;
    }
}
