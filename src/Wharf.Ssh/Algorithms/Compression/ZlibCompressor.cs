using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.Compression;

/// <summary>
/// SSH "zlib" / "zlib@openssh.com" compression of outgoing payloads (RFC 4253 §6.2): one zlib
/// stream for the whole direction, each payload ended with a partial flush so the peer can
/// inflate it without waiting for the next packet. Uses the system zlib. Not thread-safe; the
/// transport compresses packets one at a time.
/// </summary>
public sealed unsafe class ZlibCompressor : PayloadCompressor
{
    /// <summary>The level OpenSSH uses.</summary>
    public const int DefaultLevel = 6;

    private readonly ZStreamHandle _stream;

    /// <summary>Starts a new zlib stream; the header goes out with the first payload.</summary>
    /// <param name="level">zlib compression level, 0 (stored) to 9.</param>
    public ZlibCompressor(int level = DefaultLevel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 9);
        _stream = ZStreamHandle.CreateDeflate(level);
    }

    /// <inheritdoc/>
    public override void Compress(ReadOnlySpan<byte> payload, SshWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ObjectDisposedException.ThrowIf(_stream.IsClosed, this);

        bool addedRef = false;
        _stream.DangerousAddRef(ref addedRef);
        ZStream* strm = _stream.Stream;
        try
        {
            // Deflate at level 6 rarely expands by more than a few bytes per 16 KiB block, so
            // this hint usually lets one call finish the packet.
            int hint = payload.Length + (payload.Length >> 8) + 64;
            fixed (byte* input = payload)
            {
                strm->NextIn = input;
                strm->AvailIn = (uint)payload.Length;
                while (true)
                {
                    Span<byte> span = output.GetSpan(hint);
                    int rc;
                    fixed (byte* dest = span)
                    {
                        strm->NextOut = dest;
                        strm->AvailOut = (uint)span.Length;
                        rc = ZlibNative.Deflate(strm, ZlibNative.PartialFlush);
                        strm->NextOut = null;
                    }

                    output.Advance(span.Length - (int)strm->AvailOut);

                    // Z_BUF_ERROR only means there was nothing left to do (e.g. an empty
                    // payload right after a flush); any other failure means corrupted state.
                    if (rc != ZlibNative.Ok && rc != ZlibNative.BufError)
                    {
                        throw new SshConnectionException("Compression failed: " + ZlibNative.Describe(strm, rc), SshDisconnectReason.CompressionError);
                    }

                    // A full output buffer means deflate may still hold flushed bits.
                    if (strm->AvailOut != 0)
                    {
                        break;
                    }

                    hint = 4096;
                }

                if (strm->AvailIn != 0)
                {
                    throw new SshConnectionException("Compression did not consume the whole payload.", SshDisconnectReason.CompressionError);
                }
            }
        }
        finally
        {
            strm->NextIn = null;
            strm->NextOut = null;
            strm->AvailIn = 0;
            if (addedRef)
            {
                _stream.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _stream.Dispose();
        base.Dispose();
    }
}
