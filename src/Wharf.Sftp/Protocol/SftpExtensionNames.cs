namespace Wharf.Sftp.Protocol;

/// <summary>SSH_FXP_EXTENDED request names the session implements, and the versions it announces for them.</summary>
internal static class SftpExtensionNames
{
    public const string PosixRename = "posix-rename@openssh.com";
    public const string Statvfs = "statvfs@openssh.com";
    public const string Fstatvfs = "fstatvfs@openssh.com";
    public const string Hardlink = "hardlink@openssh.com";
    public const string Fsync = "fsync@openssh.com";
    public const string Lsetstat = "lsetstat@openssh.com";
    public const string Limits = "limits@openssh.com";
    public const string ExpandPath = "expand-path@openssh.com";
    public const string CopyData = "copy-data";
    public const string HomeDirectory = "home-directory";
    public const string UsersGroupsById = "users-groups-by-id@openssh.com";
    public const string CheckFileHandle = "check-file-handle";
    public const string CheckFileName = "check-file-name";
    public const string SpaceAvailable = "space-available";

    /// <summary>
    /// Announced in SSH_FXP_VERSION: OpenSSH's list in OpenSSH's order (statvfs and fstatvfs are
    /// at version "2", the rest "1"), followed by the draft-ietf-secsh-filexfer extensions.
    /// </summary>
    public static readonly (string Name, string Version)[] Announced =
    [
        (PosixRename, "1"),
        (Statvfs, "2"),
        (Fstatvfs, "2"),
        (Hardlink, "1"),
        (Fsync, "1"),
        (Lsetstat, "1"),
        (Limits, "1"),
        (ExpandPath, "1"),
        (CopyData, "1"),
        (HomeDirectory, "1"),
        (UsersGroupsById, "1"),
        (CheckFileHandle, "1"),
        (CheckFileName, "1"),
        (SpaceAvailable, "1"),
    ];
}
