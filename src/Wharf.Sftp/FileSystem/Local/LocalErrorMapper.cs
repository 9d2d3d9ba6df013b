using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Wharf.Sftp.FileSystem.Local;

/// <summary>
/// The one place where errno values and .NET I/O exceptions become SFTP statuses. Messages name
/// the virtual path only: the physical location of the root is not the client's business.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class LocalErrorMapper
{
    /// <summary>The exception for a failed system call.</summary>
    public static SftpException FromErrno(int errno, string operation, string virtualPath) => errno switch
    {
        LocalNative.ENOENT => new(SftpStatusCode.NoSuchFile, $"{operation} {virtualPath}: no such file or directory"),
        LocalNative.EACCES or LocalNative.EPERM => new(SftpStatusCode.PermissionDenied, $"{operation} {virtualPath}: permission denied"),
        LocalNative.EEXIST => new(SftpStatusCode.FileAlreadyExists, $"{operation} {virtualPath}: file already exists"),
        LocalNative.ENOTEMPTY => new(SftpStatusCode.DirNotEmpty, $"{operation} {virtualPath}: directory not empty"),
        LocalNative.ENOTDIR => new(SftpStatusCode.NotADirectory, $"{operation} {virtualPath}: not a directory"),
        LocalNative.EISDIR => new(SftpStatusCode.Failure, $"{operation} {virtualPath}: is a directory"),
        LocalNative.ENOSPC => new(SftpStatusCode.NoSpaceOnFilesystem, $"{operation} {virtualPath}: no space left on device"),
        LocalNative.EDQUOT => new(SftpStatusCode.QuotaExceeded, $"{operation} {virtualPath}: disk quota exceeded"),
        LocalNative.ENAMETOOLONG => new(SftpStatusCode.InvalidFilename, $"{operation} {virtualPath}: file name too long"),
        LocalNative.EILSEQ => new(SftpStatusCode.InvalidFilename, $"{operation} {virtualPath}: invalid file name"),
        LocalNative.ELOOP => new(SftpStatusCode.LinkLoop, $"{operation} {virtualPath}: too many levels of symbolic links"),
        LocalNative.EROFS => new(SftpStatusCode.WriteProtect, $"{operation} {virtualPath}: read-only file system"),
        LocalNative.EOPNOTSUPP => new(SftpStatusCode.OpUnsupported, $"{operation} {virtualPath}: operation not supported"),
        // Inside this file system EXDEV means a rename or link across mount points under the root;
        // the resolver reports escapes itself with Escape().
        LocalNative.EXDEV => new(SftpStatusCode.Failure, $"{operation} {virtualPath}: cannot move or link across file systems"),
        _ => new(SftpStatusCode.Failure, $"{operation} {virtualPath}: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    /// <summary>A path that would leave the root (through a symlink or <c>..</c>).</summary>
    public static SftpException Escape(string operation, string virtualPath) =>
        new(SftpStatusCode.PermissionDenied, $"{operation} {virtualPath}: path leads outside the root directory");

    /// <summary>The status for an exception thrown by a .NET I/O API (RandomAccess and friends).</summary>
    public static SftpException FromException(Exception exception, string operation, string virtualPath) => exception switch
    {
        SftpException sftp => sftp,
        UnauthorizedAccessException => new(SftpStatusCode.PermissionDenied, $"{operation} {virtualPath}: permission denied", exception),
        FileNotFoundException or DirectoryNotFoundException => new(SftpStatusCode.NoSuchFile, $"{operation} {virtualPath}: no such file or directory", exception),
        // On Unix the runtime puts the raw errno in HResult for the errors it does not give a type of their own.
        IOException io when io.HResult is > 0 and < 4096 => WithInner(FromErrno(io.HResult, operation, virtualPath), exception),
        // The runtime reports EFBIG this way.
        ArgumentOutOfRangeException => new(SftpStatusCode.Failure, $"{operation} {virtualPath}: file too large or offset out of range", exception),
        _ => new(SftpStatusCode.Failure, $"{operation} {virtualPath}: {exception.Message}", exception),
    };

    private static SftpException WithInner(SftpException mapped, Exception inner) => new(mapped.Code, mapped.Message, inner);
}
