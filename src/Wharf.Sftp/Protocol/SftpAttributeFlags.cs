namespace Wharf.Sftp.Protocol;

/// <summary>SSH_FILEXFER_ATTR_* flags of a version 3 ATTRS structure (draft-02 §5).</summary>
[Flags]
public enum SftpAttributeFlags : uint
{
    None = 0,
    Size = 0x00000001,
    UidGid = 0x00000002,
    Permissions = 0x00000004,
    AccessModifyTime = 0x00000008,
    Extended = 0x80000000,
}
