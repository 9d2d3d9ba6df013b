using System.Reflection;
using System.Runtime.InteropServices;

namespace Wharf.Ssh.Algorithms.Compression;

/// <summary>
/// Entry points of the system zlib, bound through function pointers rather than
/// <c>[DllImport]</c> so that picking the library name does not need an assembly-wide
/// <see cref="NativeLibrary.SetDllImportResolver"/>, which other code in this assembly might want.
/// </summary>
internal static unsafe class ZlibNative
{
    public const int NoFlush = 0;
    public const int PartialFlush = 1;
    public const int SyncFlush = 2;

    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int NeedDict = 2;
    public const int StreamError = -2;
    public const int DataError = -3;
    public const int MemError = -4;
    public const int BufError = -5;
    public const int VersionError = -6;

    // Debian ships only the versioned name at runtime; the others cover dev installs and other OSes.
    private static readonly string[] s_candidates = ["libz.so.1", "libz.so", "z", "libz.dylib", "zlib1"];

    private static readonly nint s_library;
    private static readonly delegate* unmanaged<byte*> s_zlibVersion;
    private static readonly delegate* unmanaged<ZStream*, int, byte*, int, int> s_deflateInit;
    private static readonly delegate* unmanaged<ZStream*, int, int> s_deflate;
    private static readonly delegate* unmanaged<ZStream*, int> s_deflateEnd;
    private static readonly delegate* unmanaged<ZStream*, byte*, int, int> s_inflateInit;
    private static readonly delegate* unmanaged<ZStream*, int, int> s_inflate;
    private static readonly delegate* unmanaged<ZStream*, int> s_inflateEnd;

#pragma warning disable CA1810 // the loads depend on each other; a static constructor keeps them together
    static ZlibNative()
#pragma warning restore CA1810
    {
        foreach (var name in s_candidates)
        {
            if (NativeLibrary.TryLoad(name, typeof(ZlibNative).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.System32, out s_library))
            {
                break;
            }
        }

        if (s_library == 0)
        {
            return;
        }

        s_zlibVersion = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(s_library, "zlibVersion");
        s_deflateInit = (delegate* unmanaged<ZStream*, int, byte*, int, int>)NativeLibrary.GetExport(s_library, "deflateInit_");
        s_deflate = (delegate* unmanaged<ZStream*, int, int>)NativeLibrary.GetExport(s_library, "deflate");
        s_deflateEnd = (delegate* unmanaged<ZStream*, int>)NativeLibrary.GetExport(s_library, "deflateEnd");
        s_inflateInit = (delegate* unmanaged<ZStream*, byte*, int, int>)NativeLibrary.GetExport(s_library, "inflateInit_");
        s_inflate = (delegate* unmanaged<ZStream*, int, int>)NativeLibrary.GetExport(s_library, "inflate");
        s_inflateEnd = (delegate* unmanaged<ZStream*, int>)NativeLibrary.GetExport(s_library, "inflateEnd");
    }

    /// <summary>The version string reported by the loaded library.</summary>
    public static string Version
    {
        get
        {
            EnsureLoaded();
            return Marshal.PtrToStringUTF8((nint)s_zlibVersion()) ?? string.Empty;
        }
    }

    public static int DeflateInit(ZStream* strm, int level)
    {
        EnsureLoaded();
        return s_deflateInit(strm, level, s_zlibVersion(), sizeof(ZStream));
    }

    public static int Deflate(ZStream* strm, int flush) => s_deflate(strm, flush);

    public static int DeflateEnd(ZStream* strm) => s_deflateEnd(strm);

    public static int InflateInit(ZStream* strm)
    {
        EnsureLoaded();
        return s_inflateInit(strm, s_zlibVersion(), sizeof(ZStream));
    }

    public static int Inflate(ZStream* strm, int flush) => s_inflate(strm, flush);

    public static int InflateEnd(ZStream* strm) => s_inflateEnd(strm);

    /// <summary>zlib's own description of the last error, for diagnostics.</summary>
    public static string Describe(ZStream* strm, int code)
    {
        string? msg = strm->Msg is null ? null : Marshal.PtrToStringUTF8((nint)strm->Msg);
        return msg is null ? $"zlib error {code}" : $"zlib error {code}: {msg}";
    }

    private static void EnsureLoaded()
    {
        if (s_library == 0)
        {
            throw new DllNotFoundException("The system zlib (libz.so.1) could not be loaded; it is needed for SSH zlib compression.");
        }
    }
}
