using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.Compression;

/// <summary>
/// Inflates incoming "zlib" / "zlib@openssh.com" payloads (RFC 4253 §6.2). The inflate state
/// (window and any partial block) carries over from one packet to the next. Output per payload
/// is capped so that a small packet cannot expand into an arbitrarily large buffer. Uses the
/// system zlib. Not thread-safe.
/// </summary>
public sealed unsafe class ZlibDecompressor : PayloadDecompressor
{
    private readonly ZStreamHandle _stream;

    /// <summary>Starts a new inflate stream; the first payload must begin with the zlib header.</summary>
    public ZlibDecompressor()
    {
        _stream = ZStreamHandle.CreateInflate();
    }

    /// <inheritdoc/>
    public override void Decompress(ReadOnlySpan<byte> payload, SshWriter output, int maxOutput)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutput);
        ObjectDisposedException.ThrowIf(_stream.IsClosed, this);

        bool addedRef = false;
        _stream.DangerousAddRef(ref addedRef);
        ZStream* strm = _stream.Stream;
        try
        {
            long produced = 0;
            fixed (byte* input = payload)
            {
                strm->NextIn = input;
                strm->AvailIn = (uint)payload.Length;
                while (true)
                {
                    // Room for one byte past the limit: getting that byte proves the payload is
                    // too big without ever inflating more than the limit allows.
                    int room = (int)Math.Min(maxOutput - produced + 1, 64 * 1024);
                    Span<byte> span = output.GetSpan(room);
                    if (span.Length > maxOutput - produced + 1)
                    {
                        span = span[..(int)(maxOutput - produced + 1)];
                    }

                    int rc;
                    fixed (byte* dest = span)
                    {
                        strm->NextOut = dest;
                        strm->AvailOut = (uint)span.Length;
                        rc = ZlibNative.Inflate(strm, ZlibNative.SyncFlush);
                        strm->NextOut = null;
                    }

                    int n = span.Length - (int)strm->AvailOut;
                    produced += n;
                    if (produced > maxOutput)
                    {
                        throw new SshConnectionException($"Decompressed payload exceeds {maxOutput} bytes.", SshDisconnectReason.CompressionError);
                    }

                    output.Advance(n);

                    switch (rc)
                    {
                        case ZlibNative.Ok:
                            // With output space left over, inflate stopped only because it needs
                            // more input; if there is none, this payload is done.
                            if (strm->AvailOut != 0 && strm->AvailIn == 0)
                            {
                                return;
                            }

                            break;
                        case ZlibNative.BufError:
                            // No progress possible: fine once every input byte has been taken.
                            if (strm->AvailIn == 0)
                            {
                                return;
                            }

                            throw new SshConnectionException("Decompression stalled with input left.", SshDisconnectReason.CompressionError);
                        case ZlibNative.StreamEnd:
                            // The SSH stream never ends; a final block means a broken or hostile peer.
                            throw new SshConnectionException("Compressed stream ended unexpectedly.", SshDisconnectReason.CompressionError);
                        default:
                            throw new SshConnectionException("Decompression failed: " + ZlibNative.Describe(strm, rc), SshDisconnectReason.CompressionError);
                    }
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
