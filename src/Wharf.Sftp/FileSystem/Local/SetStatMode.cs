namespace Wharf.Sftp.FileSystem.Local;

/// <summary>How SETSTAT/FSETSTAT requests are honoured (SFTPGo's <c>setstat_mode</c>).</summary>
public enum SetStatMode
{
    /// <summary>Permissions, owner, group, times and size are all applied.</summary>
    Normal = 0,

    /// <summary>
    /// Permissions, owner, group and times are silently ignored (the request succeeds); a size is
    /// still applied, since truncation is part of how clients upload.
    /// </summary>
    Ignore = 1,
}
