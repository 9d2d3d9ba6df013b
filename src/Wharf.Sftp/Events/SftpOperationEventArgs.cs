using Wharf.Sftp.FileSystem;

namespace Wharf.Sftp.Events;

/// <summary>
/// One operation, seen twice: before it runs (<see cref="IsBefore"/>: the handler may
/// <see cref="Deny"/> it or change <see cref="Path"/> / <see cref="TargetPath"/>) and after it
/// (<see cref="Status"/> and <see cref="ErrorMessage"/> tell how it went).
/// </summary>
public sealed class SftpOperationEventArgs : EventArgs
{
    internal SftpOperationEventArgs(SftpConnection connection, SftpOperation operation, string path)
    {
        Connection = connection;
        Operation = operation;
        Path = path;
    }

    /// <summary>The connection (user, address, id).</summary>
    public SftpConnection Connection { get; }

    /// <summary>What is being done.</summary>
    public SftpOperation Operation { get; }

    /// <summary>True before the operation runs, false after.</summary>
    public bool IsBefore { get; internal set; } = true;

    /// <summary>The virtual path. Before the operation a handler may change it to redirect the operation (it is normalised again and must stay inside the user's storage).</summary>
    public string Path { get; set; }

    /// <summary>The second path of a rename (new name) or link (link target).</summary>
    public string? TargetPath { get; set; }

    /// <summary>For FileOpen: the open flags.</summary>
    public SftpOpenFlags Flags { get; internal set; }

    /// <summary>For FileRead / FileWrite: where and how much.</summary>
    public long Offset { get; internal set; }

    /// <summary>For FileRead / FileWrite: bytes requested (before) or moved (after).</summary>
    public long Length { get; internal set; }

    /// <summary>For SetAttributes: what the client asked to change; for GetAttributes after: the result.</summary>
    public SftpFileAttributes? Attributes { get; internal set; }

    /// <summary>After: the result (<see cref="SftpStatusCode.Ok"/> on success).</summary>
    public SftpStatusCode Status { get; internal set; } = SftpStatusCode.Ok;

    /// <summary>After a failure: its message.</summary>
    public string? ErrorMessage { get; internal set; }

    internal SftpException? Denial { get; private set; }

    /// <summary>Before: refuse the operation; the client receives <paramref name="code"/> and <paramref name="message"/>.</summary>
    public void Deny(SftpStatusCode code = SftpStatusCode.PermissionDenied, string message = "Permission denied")
    {
        if (!IsBefore)
        {
            throw new InvalidOperationException("an operation can only be denied before it runs");
        }

        Denial = new SftpException(code, message);
    }
}
