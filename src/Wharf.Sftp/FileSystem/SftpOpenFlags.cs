namespace Wharf.Sftp.FileSystem;

/// <summary>SSH_FXF_* open flags of SFTP version 3.</summary>
[Flags]
public enum SftpOpenFlags : uint
{
    None = 0,
    Read = 0x01,
    Write = 0x02,
    Append = 0x04,
    Create = 0x08,
    Truncate = 0x10,
    Exclusive = 0x20,
}
