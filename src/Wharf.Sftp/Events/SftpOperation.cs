namespace Wharf.Sftp.Events;

/// <summary>The operations a host can observe, deny or redirect.</summary>
public enum SftpOperation
{
    FileOpen,
    FileRead,
    FileWrite,
    FileClose,
    FileRemove,
    FileRename,
    DirCreate,
    DirRemove,
    DirList,
    GetAttributes,
    SetAttributes,
    ResolvePath,
    CreateLink,
}
