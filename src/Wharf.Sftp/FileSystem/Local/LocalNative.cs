using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// The libc calls the local file system is built on. Everything is relative to a directory
/// descriptor so that a path is never re-resolved from the top after it has been checked.
/// Constants are Linux's; the few that differ by architecture are picked at start-up, and only
/// 64-bit x86 and Arm are accepted because the statvfs layout read here is theirs.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LocalNative
{
    private const string Libc = "libc";

    public const int ORdOnly = 0, OWrOnly = 1, ORdWr = 2, OCreat = 0x40, OExcl = 0x80, ONoCtty = 0x100,
        OTrunc = 0x200, OAppend = 0x400, ONonBlock = 0x800, OCloExec = 0x80000, OPath = 0x200000;

    // Arm keeps the older asm-generic values for these two.
    public static readonly int ODirectory = IsArm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    public const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtRemoveDir = 0x200, AtEmptyPath = 0x1000;
    public const uint RenameNoReplace = 1;
    public const ulong ResolveNoMagicLinks = 0x02, ResolveBeneath = 0x08;
    public const long UtimeOmit = (1L << 30) - 2;
    private const uint StatxBasicStats = 0x7FF;

    // openat2 has the same number on every architecture (it postdates the syscall table unification).
    private const long SysOpenat2 = 437;

    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, EBADF = 9, EAGAIN = 11, EACCES = 13,
        EBUSY = 16, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24,
        ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, EROFS = 30, EMLINK = 31, E2BIG = 7, ENAMETOOLONG = 36, ENOSYS = 38,
        ENOTEMPTY = 39, ELOOP = 40, EILSEQ = 84, EOPNOTSUPP = 95, EDQUOT = 122;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    public static bool IsSupportedPlatform =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public static int LastErrno => Marshal.GetLastPInvokeError();

    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(SafeFileHandle dirFd, string path, int flags, uint mode);

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long SyscallOpenat2(long number, SafeFileHandle dirFd, string path, OpenHow* how, nuint size);

    public static int Openat2(SafeFileHandle dirFd, string path, int flags, ulong resolve)
    {
        var how = new OpenHow { Flags = (ulong)(uint)flags, Resolve = resolve };
        return (int)SyscallOpenat2(SysOpenat2, dirFd, path, &how, (nuint)sizeof(OpenHow));
    }

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxRaw(SafeFileHandle dirFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>statx of <paramref name="path"/> relative to <paramref name="dirFd"/> (empty path: the descriptor itself); errno or 0.</summary>
    public static int Statx(SafeFileHandle dirFd, string path, bool followLinks, out LocalStat stat)
    {
        // struct statx is 256 bytes on every architecture, which is why it is used instead of struct stat.
        byte* buffer = stackalloc byte[256];
        int flags = (followLinks ? 0 : AtSymlinkNoFollow) | (path.Length == 0 ? AtEmptyPath : 0);
        if (StatxRaw(dirFd, path, flags, StatxBasicStats, buffer) != 0)
        {
            stat = default;
            return LastErrno;
        }

        stat = new LocalStat(
            Mode: *(ushort*)(buffer + 28),
            Uid: *(uint*)(buffer + 20),
            Gid: *(uint*)(buffer + 24),
            Size: *(ulong*)(buffer + 40),
            AccessTime: *(long*)(buffer + 64),
            ModifyTime: *(long*)(buffer + 112),
            Inode: *(ulong*)(buffer + 32),
            Device: ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140),
            LinkCount: *(uint*)(buffer + 16));
        return 0;
    }

    [LibraryImport(Libc, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(SafeFileHandle dirFd, string path, uint mode);

    [LibraryImport(Libc, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(SafeFileHandle dirFd, string path, int flags);

    [LibraryImport(Libc, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(SafeFileHandle oldDirFd, string oldPath, SafeFileHandle newDirFd, string newPath, uint flags);

    [LibraryImport(Libc, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkAt(SafeFileHandle oldDirFd, string oldPath, SafeFileHandle newDirFd, string newPath, int flags);

    [LibraryImport(Libc, EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SymlinkAt(string target, SafeFileHandle newDirFd, string linkPath);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadLinkAtRaw(SafeFileHandle dirFd, string path, byte* buffer, nuint size);

    /// <summary>readlinkat; errno or 0.</summary>
    public static int ReadLinkAt(SafeFileHandle dirFd, string path, out string target)
    {
        // Link targets are at most PATH_MAX; a result filling the buffer is treated as too long.
        const int Size = 4096;
        byte* buffer = stackalloc byte[Size];
        nint n = ReadLinkAtRaw(dirFd, path, buffer, Size);
        if (n < 0)
        {
            target = "";
            return LastErrno;
        }

        if (n >= Size)
        {
            target = "";
            return ENAMETOOLONG;
        }

        target = System.Text.Encoding.UTF8.GetString(buffer, (int)n);
        return 0;
    }

    [LibraryImport(Libc, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int FChmod(SafeFileHandle fd, uint mode);

    [LibraryImport(Libc, EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FChmodAt(SafeFileHandle dirFd, string path, uint mode, int flags);

    [LibraryImport(Libc, EntryPoint = "fchown", SetLastError = true)]
    public static partial int FChown(SafeFileHandle fd, uint uid, uint gid);

    [LibraryImport(Libc, EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FChownAt(SafeFileHandle dirFd, string path, uint uid, uint gid, int flags);

    [LibraryImport(Libc, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UtimensAt(SafeFileHandle dirFd, string path, Timespec* times, int flags);

    [LibraryImport(Libc, EntryPoint = "futimens", SetLastError = true)]
    public static partial int FUtimens(SafeFileHandle fd, Timespec* times);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(SafeFileHandle fd, long length);

    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(SafeFileHandle fd);

    [LibraryImport(Libc, EntryPoint = "fstatvfs", SetLastError = true)]
    private static partial int FStatVfsRaw(SafeFileHandle fd, ulong* buffer);

    /// <summary>fstatvfs; errno or 0.</summary>
    public static int FStatVfs(SafeFileHandle fd, out SftpFileSystemStats stats)
    {
        // struct statvfs on 64-bit glibc: eleven unsigned longs, then six ints of padding (112 bytes).
        ulong* b = stackalloc ulong[32];
        if (FStatVfsRaw(fd, b) != 0)
        {
            stats = null!;
            return LastErrno;
        }

        stats = new SftpFileSystemStats(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10]);
        return 0;
    }

    [LibraryImport(Libc, EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(SafeFileHandle fd, byte* buffer, nuint size);

    [LibraryImport(Libc, EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUid();

    /// <summary>A descriptor from a raw result, or null with the errno.</summary>
    public static SafeFileHandle? Wrap(int fd, out int errno)
    {
        if (fd < 0)
        {
            errno = LastErrno;
            return null;
        }

        errno = 0;
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
