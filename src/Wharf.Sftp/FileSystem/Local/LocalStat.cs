namespace Wharf.Sftp.FileSystem.Local;

/// <summary>The statx fields the file system uses.</summary>
internal readonly record struct LocalStat(uint Mode, uint Uid, uint Gid, ulong Size, long AccessTime, long ModifyTime, ulong Inode, ulong Device, uint LinkCount = 1)
{
    public uint Type => Mode & SftpFileAttributes.TypeMask;

    public bool IsDirectory => Type == SftpFileAttributes.TypeDirectory;

    public bool IsSymbolicLink => Type == SftpFileAttributes.TypeSymbolicLink;

    public bool IsRegularFile => Type == SftpFileAttributes.TypeRegular;

    public bool IsSameObject(in LocalStat other) => Inode == other.Inode && Device == other.Device;

    public SftpFileAttributes ToAttributes() => new()
    {
        Size = Size,
        Uid = Uid,
        Gid = Gid,
        Permissions = Mode,
        AccessTime = ClampTime(AccessTime),
        ModifyTime = ClampTime(ModifyTime),
        LinkCount = LinkCount,
        Inode = Inode,
        Device = Device,
    };

    // Version 3 carries 32-bit unsigned times; times outside that range are pinned to its ends.
    private static uint ClampTime(long seconds) => seconds < 0 ? 0 : seconds > uint.MaxValue ? uint.MaxValue : (uint)seconds;
}
