using Wharf.Sftp.Events;

namespace Wharf.Sftp.FileSystem;

/// <summary>
/// Wraps a file system and raises the host's events before and after every call. A before-handler
/// may deny (the call never reaches the inner file system) or redirect the path. Read and write
/// events are raised only when someone listens, so an unobserved data path costs nothing.
/// </summary>
internal sealed class EventFileSystem(IFileSystem inner, SftpConnection connection, SftpServer server) : IFileSystem, IFileOwnerNames
{
    public string? GetUserName(uint uid) => (inner as IFileOwnerNames)?.GetUserName(uid);

    public string? GetGroupName(uint gid) => (inner as IFileOwnerNames)?.GetGroupName(gid);

    private async ValueTask<T> RunAsync<T>(SftpOperation op, string path, string? target, Action<SftpOperationEventArgs>? prepare,
        Func<string, string?, ValueTask<T>> action, Action<SftpOperationEventArgs, T>? after = null)
    {
        if (!server.HasHandler(op))
        {
            return await action(path, target).ConfigureAwait(false);
        }

        var e = new SftpOperationEventArgs(connection, op, path) { TargetPath = target };
        prepare?.Invoke(e);
        server.Raise(e);
        if (e.Denial is { } denial)
        {
            e.IsBefore = false;
            e.Status = denial.Code;
            e.ErrorMessage = denial.Message;
            server.Raise(e);
            throw denial;
        }

        string p = VirtualPath.Normalize(e.Path);
        string? t = e.TargetPath is null ? null : VirtualPath.Normalize(e.TargetPath, ParentOf(p));
        e.IsBefore = false;
        try
        {
            var result = await action(p, t).ConfigureAwait(false);
            after?.Invoke(e, result);
            server.Raise(e);
            return result;
        }
        catch (SftpException ex)
        {
            e.Status = ex.Code;
            e.ErrorMessage = ex.Message;
            server.Raise(e);
            throw;
        }
    }

    private ValueTask RunAsync(SftpOperation op, string path, string? target, Action<SftpOperationEventArgs>? prepare, Func<string, string?, ValueTask> action) =>
        new(RunAsync<bool>(op, path, target, prepare, async (p, t) =>
        {
            await action(p, t).ConfigureAwait(false);
            return true;
        }).AsTask());

    private static string ParentOf(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "/";

    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken ct) =>
        RunAsync(SftpOperation.GetAttributes, path, null, null, (p, _) => inner.GetAttributesAsync(p, followLinks, ct), (e, a) => e.Attributes = a);

    public ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken ct) =>
        RunAsync(SftpOperation.SetAttributes, path, null, e => e.Attributes = attributes, (p, _) => inner.SetAttributesAsync(p, attributes, followLinks, ct));

    public ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct) =>
        RunAsync(SftpOperation.FileOpen, path, null, e => e.Flags = flags, async (p, _) =>
        {
            var file = await inner.OpenFileAsync(p, flags, attributes, ct).ConfigureAwait(false);
            return (ISftpFile)new EventFile(file, p, this);
        });

    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken ct) =>
        RunAsync(SftpOperation.DirList, path, null, null, (p, _) => inner.OpenDirectoryAsync(p, ct));

    public ValueTask RemoveFileAsync(string path, CancellationToken ct) =>
        RunAsync(SftpOperation.FileRemove, path, null, null, (p, _) => inner.RemoveFileAsync(p, ct));

    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken ct) =>
        RunAsync(SftpOperation.DirCreate, path, null, e => e.Attributes = attributes, (p, _) => inner.CreateDirectoryAsync(p, attributes, ct));

    public ValueTask RemoveDirectoryAsync(string path, CancellationToken ct) =>
        RunAsync(SftpOperation.DirRemove, path, null, null, (p, _) => inner.RemoveDirectoryAsync(p, ct));

    public ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken ct) =>
        RunAsync(SftpOperation.FileRename, oldPath, newPath, null, (p, t) => inner.RenameAsync(p, t!, overwrite, ct));

    public ValueTask<string> ReadLinkAsync(string path, CancellationToken ct) =>
        RunAsync(SftpOperation.ResolvePath, path, null, null, (p, _) => inner.ReadLinkAsync(p, ct), (e, r) => e.TargetPath = r);

    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken ct) =>
        // The target is passed through as given: it may be relative to the link, which the file system resolves.
        RunAsync(SftpOperation.CreateLink, linkPath, null, e => e.TargetPath = targetPath, (p, _) => inner.CreateSymbolicLinkAsync(p, targetPath, ct));

    public ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken ct) =>
        RunAsync(SftpOperation.CreateLink, newPath, existingPath, null, (p, t) => inner.CreateHardLinkAsync(t!, p, ct));

    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken ct) =>
        RunAsync(SftpOperation.ResolvePath, path, null, null, (p, _) => inner.GetCanonicalPathAsync(p, ct), (e, r) => e.TargetPath = r);

    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken ct) => inner.GetFileSystemStatsAsync(path, ct);

    /// <summary>Raises FileRead / FileWrite / FileClose for one open file.</summary>
    private sealed class EventFile(ISftpFile file, string path, EventFileSystem owner) : ISftpFile
    {
        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
        {
            if (!owner.HasData(SftpOperation.FileRead))
            {
                return await file.ReadAsync(offset, buffer, ct).ConfigureAwait(false);
            }

            return await owner.RunAsync(SftpOperation.FileRead, path, null, e =>
            {
                e.Offset = offset;
                e.Length = buffer.Length;
            }, (_, _) => file.ReadAsync(offset, buffer, ct), (e, n) => e.Length = n).ConfigureAwait(false);
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            if (!owner.HasData(SftpOperation.FileWrite))
            {
                return file.WriteAsync(offset, data, ct);
            }

            return owner.RunAsync(SftpOperation.FileWrite, path, null, e =>
            {
                e.Offset = offset;
                e.Length = data.Length;
            }, (_, _) => file.WriteAsync(offset, data, ct));
        }

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken ct) =>
            owner.RunAsync(SftpOperation.GetAttributes, path, null, null, (_, _) => file.GetAttributesAsync(ct), (e, a) => e.Attributes = a);

        public ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken ct) =>
            owner.RunAsync(SftpOperation.SetAttributes, path, null, e => e.Attributes = attributes, (_, _) => file.SetAttributesAsync(attributes, ct));

        public ValueTask FlushAsync(CancellationToken ct) => file.FlushAsync(ct);

        public ValueTask CloseAsync(CancellationToken ct) =>
            owner.RunAsync(SftpOperation.FileClose, path, null, null, (_, _) => file.CloseAsync(ct));

        public ValueTask DisposeAsync() => file.DisposeAsync();
    }

    private bool HasData(SftpOperation op) => server.HasHandler(op);
}
