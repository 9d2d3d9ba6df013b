using Wharf.Sftp.FileSystem;

namespace Wharf.Sftp.Protocol;

/// <summary>An open file or directory of one session, known to the client by <see cref="Id"/>.</summary>
internal abstract class SftpHandle(string id, string path)
{
    public string Id { get; } = id;

    /// <summary>The virtual path it was opened with (fstatvfs needs it: the file contract has no statvfs).</summary>
    public string Path { get; } = path;

    /// <summary>Abort: what happens to handles the client never closed.</summary>
    public abstract ValueTask DisposeAsync();
}

internal sealed class SftpFileHandle(string id, string path, ISftpFile file) : SftpHandle(id, path)
{
    public ISftpFile File { get; } = file;

    public override ValueTask DisposeAsync() => File.DisposeAsync();
}

internal sealed class SftpDirectoryHandle(string id, string path, ISftpDirectory directory) : SftpHandle(id, path)
{
    public ISftpDirectory Directory { get; } = directory;

    /// <summary>Entries read from the file system that did not fit in the previous NAME reply.</summary>
    public Queue<SftpDirectoryEntry> Pending { get; } = new();

    public bool Exhausted { get; set; }

    public override ValueTask DisposeAsync() => Directory.DisposeAsync();
}
