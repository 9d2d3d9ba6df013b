namespace Wharf.Sftp;

/// <summary>
/// SFTP status codes (draft-ietf-secsh-filexfer-02 §7 for 0–8; later drafts for the rest).
/// Version 3 clients only know 0–8: codes above 8 are sent to them as <see cref="Failure"/>
/// with the error message kept.
/// </summary>
public enum SftpStatusCode : uint
{
    Ok = 0,
    Eof = 1,
    NoSuchFile = 2,
    PermissionDenied = 3,
    Failure = 4,
    BadMessage = 5,
    NoConnection = 6,
    ConnectionLost = 7,
    OpUnsupported = 8,
    InvalidHandle = 9,
    NoSuchPath = 10,
    FileAlreadyExists = 11,
    WriteProtect = 12,
    NoMedia = 13,
    NoSpaceOnFilesystem = 14,
    QuotaExceeded = 15,
    UnknownPrincipal = 16,
    LockConflict = 17,
    DirNotEmpty = 18,
    NotADirectory = 19,
    InvalidFilename = 20,
    LinkLoop = 21,
}
