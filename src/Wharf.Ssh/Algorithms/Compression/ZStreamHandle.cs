using System.Runtime.InteropServices;

namespace Wharf.Ssh.Algorithms.Compression;

/// <summary>
/// Owns one <see cref="ZStream"/> in native memory plus the zlib state hanging off it. The struct
/// lives outside the GC heap because zlib's internal state points back at it and checks that
/// pointer on every call, so it must never move. Being a <see cref="SafeHandle"/>, a compressor
/// that is never disposed still frees the zlib state from the critical finalizer.
/// </summary>
internal sealed unsafe class ZStreamHandle : SafeHandle
{
    private readonly bool _inflate;
    private bool _initialized;

    private ZStreamHandle(bool inflate)
        : base(0, ownsHandle: true)
    {
        _inflate = inflate;
        SetHandle((nint)NativeMemory.AllocZeroed((nuint)sizeof(ZStream)));
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The stream; only valid between <see cref="SafeHandle.DangerousAddRef"/> and release.</summary>
    public ZStream* Stream => (ZStream*)handle;

    /// <summary>Allocates and initializes a deflate stream at <paramref name="level"/>.</summary>
    public static ZStreamHandle CreateDeflate(int level)
    {
        var h = new ZStreamHandle(inflate: false);
        try
        {
            int rc = ZlibNative.DeflateInit(h.Stream, level);
            if (rc != ZlibNative.Ok)
            {
                throw new InvalidOperationException("deflateInit failed: " + ZlibNative.Describe(h.Stream, rc));
            }

            h._initialized = true;
            return h;
        }
        catch
        {
            h.Dispose();
            throw;
        }
    }

    /// <summary>Allocates and initializes an inflate stream expecting a zlib (RFC 1950) header.</summary>
    public static ZStreamHandle CreateInflate()
    {
        var h = new ZStreamHandle(inflate: true);
        try
        {
            int rc = ZlibNative.InflateInit(h.Stream);
            if (rc != ZlibNative.Ok)
            {
                throw new InvalidOperationException("inflateInit failed: " + ZlibNative.Describe(h.Stream, rc));
            }

            h._initialized = true;
            return h;
        }
        catch
        {
            h.Dispose();
            throw;
        }
    }

    protected override bool ReleaseHandle()
    {
        var strm = (ZStream*)handle;
        if (_initialized)
        {
            // Pointers into managed buffers are cleared after every call, but make sure zlib
            // never sees a stale one even if a call was interrupted by an exception.
            strm->NextIn = null;
            strm->NextOut = null;
            if (_inflate)
            {
                ZlibNative.InflateEnd(strm);
            }
            else
            {
                ZlibNative.DeflateEnd(strm);
            }
        }

        NativeMemory.Free(strm);
        return true;
    }
}
