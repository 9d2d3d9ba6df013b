using System.Runtime.InteropServices;

namespace Wharf.Ssh.Algorithms.Compression;

/// <summary>
/// Mirror of zlib's <c>z_stream</c>. <c>uLong</c> is <see cref="CULong"/> because it is 64-bit on
/// LP64 Linux/macOS but 32-bit on Windows; on x64 Linux the struct is 112 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZStream
{
    public byte* NextIn;
    public uint AvailIn;
    public CULong TotalIn;
    public byte* NextOut;
    public uint AvailOut;
    public CULong TotalOut;
    public byte* Msg;
    public void* State;
    public void* ZAlloc;
    public void* ZFree;
    public void* Opaque;
    public int DataType;
    public CULong Adler;
    public CULong Reserved;
}
