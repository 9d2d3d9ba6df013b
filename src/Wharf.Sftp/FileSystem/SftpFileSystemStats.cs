namespace Wharf.Sftp.FileSystem;

/// <summary>statvfs(2) figures, as statvfs@openssh.com returns them.</summary>
public sealed record SftpFileSystemStats(
    ulong BlockSize, ulong FragmentSize, ulong Blocks, ulong BlocksFree, ulong BlocksAvailable,
    ulong Files, ulong FilesFree, ulong FilesAvailable, ulong FileSystemId, ulong Flags, ulong MaxNameLength);
