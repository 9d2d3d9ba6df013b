using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Wharf.Server.Storage;

/// <summary>
/// Measures a home the way <see cref="QuotaTracker"/> counts it: every distinct regular file
/// (device and inode) counts once with its size, however many hard links name it; symbolic links,
/// directories and special files never count, and a symbolic link is never followed.
/// </summary>
/// <remarks>
/// The walk never goes through a path string below the home: each directory is opened relative to
/// its parent's descriptor with <c>O_NOFOLLOW|O_DIRECTORY</c>, and each entry is examined with
/// <c>statx(AT_SYMLINK_NOFOLLOW)</c> relative to the same descriptor. A directory swapped for a
/// symbolic link after it was listed therefore fails to open (ELOOP or ENOTDIR) and is skipped
/// instead of leading the scan, which may run as root, out of the home. The home itself is opened
/// by its configured path, symlinks in it included: that path is the administrator's.
/// A directory that cannot be read fails the scan rather than being skipped: skipping would let a
/// user hide files from the scan with a chmod.
/// </remarks>
[SupportedOSPlatform("linux")]
public static unsafe partial class QuotaScanner
{
    private const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private const uint TypeMask = 0xF000, TypeRegular = 0x8000, TypeDirectory = 0x4000;
    private const int ENOENT = 2, ENOTDIR = 20, ELOOP = 40;

    // Arm keeps the older asm-generic values for these two.
    private static readonly int ODirectory = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;
    private static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    /// <summary>
    /// The used quota of the tree at <paramref name="home"/>; zero when it does not exist. Files
    /// named like an atomic upload's temporary file whose inode is in
    /// <paramref name="skipTemporaries"/> (uploads in flight, whose handles carry their charge) are
    /// left out; any other file — a leftover temporary file included — counts.
    /// </summary>
    /// <exception cref="IOException">A directory of the tree cannot be opened or listed.</exception>
    public static ScannedQuota Scan(string home, IReadOnlySet<FileId>? skipTemporaries = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(home);
        int rootFd = Open(home, ORdOnly | ODirectory | OCloExec | ONonBlock, 0);
        if (rootFd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT ? new ScannedQuota(0, 0) : throw Error(errno, "open", home);
        }

        long size = 0;
        int files = 0;
        var seen = new HashSet<FileId>();
        var buffer = new byte[32 * 1024];

        // Depth first with an explicit stack (no recursion limit). A frame holds its directory's
        // descriptor until all its subdirectories are done, so open descriptors grow with the
        // depth of the tree, not its width.
        var stack = new Stack<Frame>();
        var root = new SafeFileHandle(rootFd, ownsHandle: true);
        try
        {
            stack.Push(List(root, home, buffer, skipTemporaries, seen, ref size, ref files));
            while (stack.Count > 0)
            {
                var frame = stack.Peek();
                if (!frame.Subdirectories.TryDequeue(out var name))
                {
                    stack.Pop().Fd.Dispose();
                    continue;
                }

                string childPath = frame.Path + "/" + name;
                int fd = OpenAt(frame.Fd, name, ORdOnly | ODirectory | ONoFollow | OCloExec | ONonBlock, 0);
                if (fd < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is ELOOP or ENOTDIR or ENOENT)
                    {
                        continue; // swapped for a symlink or a file, or removed, since it was examined
                    }

                    throw Error(errno, "open", childPath);
                }

                var child = new SafeFileHandle(fd, ownsHandle: true);
                try
                {
                    stack.Push(List(child, childPath, buffer, skipTemporaries, seen, ref size, ref files));
                }
                catch
                {
                    child.Dispose();
                    throw;
                }
            }
        }
        catch
        {
            if (stack.Count == 0)
            {
                root.Dispose();
            }

            while (stack.Count > 0)
            {
                stack.Pop().Fd.Dispose();
            }

            throw;
        }

        return new ScannedQuota(size, files);
    }

    private sealed record Frame(SafeFileHandle Fd, string Path, Queue<string> Subdirectories);

    /// <summary>Counts the files directly in <paramref name="dir"/> and returns the frame with its subdirectories to visit.</summary>
    private static Frame List(SafeFileHandle dir, string path, byte[] buffer, IReadOnlySet<FileId>? skipTemporaries, HashSet<FileId> seen, ref long size, ref int files)
    {
        var subdirectories = new Queue<string>();
        foreach (var name in ListNames(dir, path, buffer))
        {
            if (Stat(dir, name, out var stat) != 0)
            {
                continue; // removed meanwhile
            }

            uint type = stat.Mode & TypeMask;
            if (type == TypeRegular)
            {
                var id = new FileId(stat.Device, stat.Inode);
                if (skipTemporaries is not null && IsTemporary(name) && skipTemporaries.Contains(id))
                {
                    continue;
                }

                // One inode, one file, whatever number of names it has.
                if (stat.LinkCount > 1 && !seen.Add(id))
                {
                    continue;
                }

                size += (long)stat.Size;
                files++;
            }
            else if (type == TypeDirectory)
            {
                subdirectories.Enqueue(name);
            }

            // Symbolic links (never followed), sockets, FIFOs and devices count for nothing.
        }

        return new Frame(dir, path, subdirectories);
    }

    /// <summary>Wharf's atomic-upload temporary file names (LocalFileSystem's prefix and suffix).</summary>
    private static bool IsTemporary(string name) =>
        name.StartsWith(".wharf-upload-", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal);

    private static List<string> ListNames(SafeFileHandle dir, string path, byte[] buffer)
    {
        var names = new List<string>();
        while (true)
        {
            nint n;
            fixed (byte* b = buffer)
            {
                n = GetDents64(dir, b, (nuint)buffer.Length);
            }

            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();

                // ENOENT: the directory was removed while open (it is empty, or being emptied): nothing left to count.
                return errno == ENOENT ? names : throw Error(errno, "readdir", path);
            }

            if (n == 0)
            {
                return names;
            }

            // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
            for (int position = 0; position < n;)
            {
                var record = buffer.AsSpan(position);
                int length = BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
                var raw = record[19..length];
                int nul = raw.IndexOf((byte)0);
                var name = Encoding.UTF8.GetString(nul < 0 ? raw : raw[..nul]);
                if (name is not ("." or ".."))
                {
                    names.Add(name);
                }

                position += length;
            }
        }
    }

    private readonly record struct EntryStat(uint Mode, ulong Size, ulong Inode, ulong Device, uint LinkCount);

    private static int Stat(SafeFileHandle dir, string name, out EntryStat stat)
    {
        byte* b = stackalloc byte[256];
        if (StatxRaw(dir, name, AtSymlinkNoFollow, StatxBasicStats, b) != 0)
        {
            stat = default;
            return Marshal.GetLastPInvokeError();
        }

        // struct statx: stx_nlink at 16, stx_mode at 28, stx_ino at 32, stx_size at 40, stx_dev_major/minor at 136/140.
        stat = new EntryStat(*(ushort*)(b + 28), *(ulong*)(b + 40), *(ulong*)(b + 32),
            ((ulong)*(uint*)(b + 136) << 32) | *(uint*)(b + 140), *(uint*)(b + 16));
        return 0;
    }

    private static IOException Error(int errno, string operation, string path) =>
        new($"quota scan: {operation} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(SafeFileHandle dirFd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxRaw(SafeFileHandle dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint GetDents64(SafeFileHandle fd, byte* buffer, nuint size);
}
