namespace Wharf.Sftp.Protocol;

/// <summary>
/// The one place where exceptions become SFTP statuses. File systems may throw plain .NET I/O
/// exceptions and rely on this mapping; messages of those exceptions are never sent, because
/// they often carry host paths that would reveal the real layout of the storage. Only an
/// <see cref="SftpException"/>'s message reaches the client.
/// </summary>
public static class SftpErrorMapper
{
    /// <summary>Highest status code a version 3 client knows.</summary>
    public const SftpStatusCode MaxVersion3Code = SftpStatusCode.OpUnsupported;

    /// <summary>The status and message to send for <paramref name="exception"/>.</summary>
    public static (SftpStatusCode Code, string Message) Map(Exception exception)
    {
        switch (exception)
        {
            case SftpException s:
                return (s.Code, string.IsNullOrEmpty(s.Message) ? DefaultMessage(s.Code) : s.Message);
            case FileNotFoundException or DirectoryNotFoundException:
                return (SftpStatusCode.NoSuchFile, DefaultMessage(SftpStatusCode.NoSuchFile));
            case UnauthorizedAccessException:
                return (SftpStatusCode.PermissionDenied, DefaultMessage(SftpStatusCode.PermissionDenied));
            case PathTooLongException:
                return (SftpStatusCode.InvalidFilename, "File name too long");
            case NotSupportedException or NotImplementedException:
                return (SftpStatusCode.OpUnsupported, DefaultMessage(SftpStatusCode.OpUnsupported));
            case IOException io:
                return MapIOException(io);
            case OperationCanceledException:
                return (SftpStatusCode.Failure, "Operation cancelled");
            default:
                return (SftpStatusCode.Failure, "internal error");
        }
    }

    /// <summary>
    /// The code to put on the wire for a client speaking <paramref name="protocolVersion"/>:
    /// version 3 only knows 0–8, so later codes become <see cref="SftpStatusCode.Failure"/>
    /// (the caller keeps the message, which still says what went wrong).
    /// </summary>
    public static SftpStatusCode ForVersion(SftpStatusCode code, int protocolVersion) =>
        protocolVersion <= 3 && code > MaxVersion3Code ? SftpStatusCode.Failure : code;

    /// <summary>A human-readable message for <paramref name="code"/> (the texts OpenSSH's sftp-server uses where it has one).</summary>
    public static string DefaultMessage(SftpStatusCode code) => code switch
    {
        SftpStatusCode.Ok => "Success",
        SftpStatusCode.Eof => "End of file",
        SftpStatusCode.NoSuchFile => "No such file",
        SftpStatusCode.PermissionDenied => "Permission denied",
        SftpStatusCode.Failure => "Failure",
        SftpStatusCode.BadMessage => "Bad message",
        SftpStatusCode.NoConnection => "No connection",
        SftpStatusCode.ConnectionLost => "Connection lost",
        SftpStatusCode.OpUnsupported => "Operation unsupported",
        SftpStatusCode.InvalidHandle => "invalid handle",
        SftpStatusCode.NoSuchPath => "No such path",
        SftpStatusCode.FileAlreadyExists => "File already exists",
        SftpStatusCode.WriteProtect => "Read-only file system",
        SftpStatusCode.NoMedia => "No media",
        SftpStatusCode.NoSpaceOnFilesystem => "No space left on device",
        SftpStatusCode.QuotaExceeded => "Disk quota exceeded",
        SftpStatusCode.UnknownPrincipal => "Unknown principal",
        SftpStatusCode.LockConflict => "Lock conflict",
        SftpStatusCode.DirNotEmpty => "Directory not empty",
        SftpStatusCode.NotADirectory => "Not a directory",
        SftpStatusCode.InvalidFilename => "Invalid file name",
        SftpStatusCode.LinkLoop => "Too many levels of symbolic links",
        _ => "Failure",
    };

    // On Unix .NET puts the raw errno into HResult of the IOExceptions it creates; on Windows it
    // is 0x8007xxxx with the Win32 error in the low word. Both are recognised so the mapping does
    // not depend on the platform the file system runs on.
    private static (SftpStatusCode, string) MapIOException(IOException io)
    {
        int h = io.HResult;
        SftpStatusCode code;
        if ((h & unchecked((int)0xFFFF0000)) == unchecked((int)0x80070000))
        {
            code = (h & 0xFFFF) switch
            {
                2 or 3 => SftpStatusCode.NoSuchFile,             // FILE_NOT_FOUND, PATH_NOT_FOUND
                5 or 32 or 33 => SftpStatusCode.PermissionDenied, // ACCESS_DENIED, SHARING/LOCK_VIOLATION
                19 => SftpStatusCode.WriteProtect,               // WRITE_PROTECT
                39 or 112 => SftpStatusCode.NoSpaceOnFilesystem, // HANDLE_DISK_FULL, DISK_FULL
                80 or 183 => SftpStatusCode.FileAlreadyExists,   // FILE_EXISTS, ALREADY_EXISTS
                123 or 206 => SftpStatusCode.InvalidFilename,     // INVALID_NAME, FILENAME_EXCED_RANGE
                145 => SftpStatusCode.DirNotEmpty,               // DIR_NOT_EMPTY
                267 => SftpStatusCode.NotADirectory,             // DIRECTORY
                1921 => SftpStatusCode.LinkLoop,                 // CANT_RESOLVE_FILENAME
                _ => SftpStatusCode.Failure,
            };
        }
        else
        {
            code = h switch
            {
                1 or 13 => SftpStatusCode.PermissionDenied, // EPERM, EACCES
                2 => SftpStatusCode.NoSuchFile,             // ENOENT
                17 => SftpStatusCode.FileAlreadyExists,     // EEXIST
                20 => SftpStatusCode.NotADirectory,         // ENOTDIR
                28 => SftpStatusCode.NoSpaceOnFilesystem,   // ENOSPC
                30 => SftpStatusCode.WriteProtect,          // EROFS
                36 => SftpStatusCode.InvalidFilename,       // ENAMETOOLONG
                39 => SftpStatusCode.DirNotEmpty,           // ENOTEMPTY
                40 => SftpStatusCode.LinkLoop,              // ELOOP
                122 => SftpStatusCode.QuotaExceeded,        // EDQUOT
                _ => SftpStatusCode.Failure,
            };
            if (code == SftpStatusCode.Failure)
            {
                return h switch
                {
                    21 => (code, "Is a directory"),           // EISDIR
                    18 => (code, "Cross-device link"),        // EXDEV
                    22 => (code, "Invalid argument"),         // EINVAL
                    27 => (code, "File too large"),           // EFBIG
                    _ => (code, DefaultMessage(code)),
                };
            }
        }

        return (code, DefaultMessage(code));
    }
}
