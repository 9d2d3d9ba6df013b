using System.Buffers;
using System.IO.Pipelines;

namespace Wharf.Ssh.Transport;

/// <summary>How reading a PROXY header from a connection ended.</summary>
internal enum ProxyReadStatus
{
    /// <summary>A valid header was read (and only it was consumed).</summary>
    Header,

    /// <summary>The connection starts with something else; nothing was consumed.</summary>
    Absent,

    /// <summary>Nothing arrived within the time allowed.</summary>
    Silent,

    /// <summary>The peer closed the connection before sending anything.</summary>
    Closed,

    /// <summary>A malformed, partial or oversized header; the connection must be dropped.</summary>
    Invalid,
}

/// <summary>The outcome of <see cref="ProxyProtocolReader.ReadAsync"/>.</summary>
internal readonly record struct ProxyReadResult(ProxyReadStatus Status, ProxyProtocolHeader? Header = null, string? Error = null);

/// <summary>
/// Reads a PROXY header from the very <see cref="PipeReader"/> the session then reads its
/// version line and packets from, consuming exactly the header's bytes: whatever followed it
/// in the same segment stays buffered for the session.
/// </summary>
internal static class ProxyProtocolReader
{
    public static async ValueTask<ProxyReadResult> ReadAsync(PipeReader input, TimeSpan timeout, CancellationToken ct)
    {
        // The timeout cancels the pending read rather than the token: a cancelled pending read
        // leaves the reader usable (and its buffered bytes in place) for a plain connection.
        using var timer = new CancellationTokenSource(timeout);
        using var registration = timer.Token.Register(static r => ((PipeReader)r!).CancelPendingRead(), input);
        byte[]? scratch = null;
        while (true)
        {
            var read = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = read.Buffer;
            var parsed = Parse(buffer, ref scratch);
            switch (parsed.Status)
            {
                case ProxyParseStatus.Parsed:
                    input.AdvanceTo(buffer.GetPosition(parsed.Header!.Length));
                    return new(ProxyReadStatus.Header, parsed.Header);
                case ProxyParseStatus.NotPresent:
                    input.AdvanceTo(buffer.Start); // nothing consumed or examined: the session sees it all
                    return new(ProxyReadStatus.Absent);
                case ProxyParseStatus.Invalid:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return new(ProxyReadStatus.Invalid, Error: parsed.Error);
            }

            // More is needed (possibly nothing has come yet).
            bool empty = buffer.IsEmpty;
            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                return empty ? new(ProxyReadStatus.Closed) : new(ProxyReadStatus.Invalid, Error: "connection closed inside the PROXY header");
            }

            if (read.IsCanceled || timer.IsCancellationRequested)
            {
                return empty
                    ? new(ProxyReadStatus.Silent)
                    : new(ProxyReadStatus.Invalid, Error: $"incomplete PROXY header after {timeout.TotalSeconds:0.#} s");
            }
        }
    }

    private static ProxyParseResult Parse(ReadOnlySequence<byte> buffer, ref byte[]? scratch)
    {
        if (buffer.IsSingleSegment)
        {
            return ProxyProtocolParser.Parse(buffer.FirstSpan[..(int)Math.Min(buffer.Length, ProxyProtocolParser.MaxLength)]);
        }

        // A header split across segments: copy at most the longest header once more.
        scratch ??= new byte[ProxyProtocolParser.MaxLength];
        int n = (int)Math.Min(buffer.Length, scratch.Length);
        buffer.Slice(0, n).CopyTo(scratch);
        return ProxyProtocolParser.Parse(scratch.AsSpan(0, n));
    }
}
