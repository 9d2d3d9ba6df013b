using Wharf.Sftp.FileSystem.Local;
using Wharf.Sftp.Protocol;
using Wharf.Ssh;

namespace Wharf.Sftp;

/// <summary>Configuration of an <see cref="SftpServer"/>.</summary>
public sealed class SftpServerOptions
{
    /// <summary>The SSH layer: host keys, algorithms, limits (see docs/ssh.md).</summary>
    public SshServerOptions Ssh { get; } = new();

    /// <summary>Per-session SFTP limits.</summary>
    public SftpSessionOptions Sftp { get; } = new();

    /// <summary>The directory every user is served from (chrooted), unless <see cref="SftpServer.FileSystemFactory"/> decides per user.</summary>
    public string? RootDirectory { get; set; }

    /// <summary>Umask for created files and directories (default 0022).</summary>
    public uint Umask { get; set; } = Convert.ToUInt32("022", 8);

    /// <summary>Standard, atomic, or atomic with resume (see docs/filesystem.md).</summary>
    public UploadMode UploadMode { get; set; } = UploadMode.Standard;

    /// <summary>Apply or silently ignore permission, owner and time changes.</summary>
    public SetStatMode SetStatMode { get; set; } = SetStatMode.Normal;
}
