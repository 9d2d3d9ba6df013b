namespace Wharf.Sftp.FileSystem;

/// <summary>
/// File attributes as SFTP version 3 carries them (draft-02 §5). A null member is absent on the
/// wire; on SETSTAT only the present members are changed. <see cref="Permissions"/> holds the
/// full st_mode, file type bits included.
/// </summary>
public sealed class SftpFileAttributes
{
    /// <summary>st_mode file type mask and values.</summary>
    public const uint TypeMask = 0xF000, TypeFifo = 0x1000, TypeCharDevice = 0x2000, TypeDirectory = 0x4000,
        TypeBlockDevice = 0x6000, TypeRegular = 0x8000, TypeSymbolicLink = 0xA000, TypeSocket = 0xC000;

    public ulong? Size { get; set; }
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
    public uint? Permissions { get; set; }

    /// <summary>Access time, seconds since the Unix epoch.</summary>
    public uint? AccessTime { get; set; }

    /// <summary>Modification time, seconds since the Unix epoch.</summary>
    public uint? ModifyTime { get; set; }

    /// <summary>
    /// Local only, never sent on the wire: the number of hard links (st_nlink), the inode and the
    /// device, when the file system knows them. Quota accounting needs them to tell a file's last
    /// name from one of several, and the same file reached by two paths.
    /// </summary>
    public uint? LinkCount { get; set; }

    /// <summary>Local only (see <see cref="LinkCount"/>): st_ino.</summary>
    public ulong? Inode { get; set; }

    /// <summary>Local only (see <see cref="LinkCount"/>): st_dev.</summary>
    public ulong? Device { get; set; }

    /// <summary>Extended attributes (type → data); rarely used.</summary>
    public List<KeyValuePair<string, byte[]>>? Extended { get; set; }

    public bool IsDirectory => (Permissions & TypeMask) == TypeDirectory;
    public bool IsRegularFile => (Permissions & TypeMask) == TypeRegular;
    public bool IsSymbolicLink => (Permissions & TypeMask) == TypeSymbolicLink;

    /// <summary>A copy.</summary>
    public SftpFileAttributes Clone() => new()
    {
        Size = Size, Uid = Uid, Gid = Gid, Permissions = Permissions, AccessTime = AccessTime, ModifyTime = ModifyTime,
        LinkCount = LinkCount, Inode = Inode, Device = Device,
        Extended = Extended is null ? null : [.. Extended],
    };

    /// <summary>Attributes with nothing set.</summary>
    public static SftpFileAttributes Empty => new();
}
