namespace Wharf.Sftp.FileSystem;

/// <summary>One name in a directory listing, with its attributes (lstat: a symlink is reported as a link).</summary>
/// <param name="Name">The file name (no directory part).</param>
/// <param name="Attributes">Its attributes.</param>
public sealed record SftpDirectoryEntry(string Name, SftpFileAttributes Attributes);
