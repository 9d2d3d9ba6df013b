using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Wharf.Ssh.Transport;

/// <summary>Reads the client's identification string (RFC 4253 §4.2).</summary>
internal static class VersionExchange
{
    /// <summary>Maximum length of the identification line including CR LF (RFC 4253 §4.2).</summary>
    public const int MaxLineLength = 255;

    public readonly record struct Result(string? Version, string? Error, SshDisconnectReason Reason);

    /// <summary>
    /// Reads one line ending in LF (CR LF or bare LF accepted). It must start with <c>SSH-2.0-</c>
    /// (or <c>SSH-1.99-</c>, which means 2.0 as well); anything else, an over-long line, or
    /// non-printable bytes end the connection.
    /// </summary>
    public static async ValueTask<Result> ReadClientVersionAsync(PipeReader input, CancellationToken ct)
    {
        while (true)
        {
            var read = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = read.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (buffer.Length >= MaxLineLength)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return new(null, "Invalid SSH identification string: line too long.", SshDisconnectReason.ProtocolError);
                }

                if (read.IsCompleted)
                {
                    input.AdvanceTo(buffer.End);
                    return new(null, "Connection closed before the identification string.", SshDisconnectReason.ConnectionLost);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            var lineSeq = buffer.Slice(0, lf.Value);
            if (lineSeq.Length + 1 > MaxLineLength)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return new(null, "Invalid SSH identification string: line too long.", SshDisconnectReason.ProtocolError);
            }

            // Copy before AdvanceTo: the pipe may reuse the memory as soon as it is released.
            var lineBytes = lineSeq.ToArray();
            input.AdvanceTo(buffer.GetPosition(1, lf.Value));
            var line = lineBytes.AsSpan();
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            foreach (var b in line)
            {
                if (b < 0x20 || b > 0x7e)
                {
                    return new(null, "Invalid SSH identification string.", SshDisconnectReason.ProtocolError);
                }
            }

            var text = Encoding.ASCII.GetString(line);
            if (!text.StartsWith("SSH-", StringComparison.Ordinal))
            {
                return new(null, "Invalid SSH identification string.", SshDisconnectReason.ProtocolError);
            }

            if (!text.StartsWith("SSH-2.0-", StringComparison.Ordinal) && !text.StartsWith("SSH-1.99-", StringComparison.Ordinal))
            {
                return new(null, "Protocol major versions differ: only SSH-2.0 is supported.", SshDisconnectReason.ProtocolVersionNotSupported);
            }

            return new(text, null, SshDisconnectReason.None);
        }
    }
}
