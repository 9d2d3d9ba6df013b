using System.Diagnostics;
using System.Globalization;
using Wharf.Server.Events;
using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Logging;

/// <summary>
/// Writes the transfer logs (sender Upload / Download, with elapsed_ms and size_bytes) and the
/// command logs (Rename, Rmdir, Mkdir, Symlink, Remove, Chmod, Chown, Chtimes) of the seed's log
/// format, for operations that succeeded. Failed operations are not logged as done.
/// With <paramref name="events"/>, it also raises the <see cref="FileActionEvent"/>s (transfers,
/// deletes, renames) that metrics and actions observe, with paths under <paramref name="homeDir"/>.
/// </summary>
public sealed class AuditFileSystem(IFileSystem inner, JsonLineLog log, string username, string connectionId, string protocol, ServerEvents? events = null, string homeDir = "") : IFileSystem, IFileOwnerNames, IDisposable
{
    /// <summary>Where a virtual path lives on the server (what actions receive, as in SFTPGo).</summary>
    private string Physical(string virtualPath) => homeDir.Length == 0 ? virtualPath : Path.Join(homeDir, virtualPath.TrimStart('/'));

    private void Raise(string action, string path, string target = "", long bytes = 0, bool succeeded = true) =>
        events?.Raise(new FileActionEvent
        {
            Action = action,
            Username = username,
            Path = Physical(path),
            TargetPath = target.Length == 0 ? "" : Physical(target),
            VirtualPath = path,
            VirtualTargetPath = target,
            Protocol = protocol,
            ConnectionId = connectionId,
            Bytes = bytes,
            Succeeded = succeeded,
        });

    public void Dispose() => (inner as IDisposable)?.Dispose();

    public string? GetUserName(uint uid) => (inner as IFileOwnerNames)?.GetUserName(uid);

    public string? GetGroupName(uint gid) => (inner as IFileOwnerNames)?.GetGroupName(gid);

    private void Command(string sender, string path, string target = "", SftpFileAttributes? a = null)
    {
        log.Write("info", sender, "", new Dictionary<string, object?>
        {
            ["username"] = username,
            ["file_path"] = path,
            ["target_path"] = target,
            ["filemode"] = sender == "Chmod" && a?.Permissions is { } p ? Convert.ToString(p & 0xFFF, 8).PadLeft(4, '0') : "",
            ["uid"] = sender == "Chown" ? (long?)a?.Uid ?? -1 : -1,
            ["gid"] = sender == "Chown" ? (long?)a?.Gid ?? -1 : -1,
            ["access_time"] = sender == "Chtimes" && a?.AccessTime is { } at ? Time(at) : "",
            ["modification_time"] = sender == "Chtimes" && a?.ModifyTime is { } mt ? Time(mt) : "",
            ["ssh_command"] = "",
            ["connection_id"] = connectionId,
            ["protocol"] = protocol,
        });
    }

    private static string Time(uint unix) => DateTimeOffset.FromUnixTimeSeconds(unix).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private void SetStatLogs(string path, SftpFileAttributes a)
    {
        if (a.Permissions is not null)
        {
            Command("Chmod", path, a: a);
        }

        if (a.Uid is not null || a.Gid is not null)
        {
            Command("Chown", path, a: a);
        }

        if (a.AccessTime is not null || a.ModifyTime is not null)
        {
            Command("Chtimes", path, a: a);
        }
    }

    public async ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct) =>
        new AuditFile(await inner.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false), this, path, (flags & SftpOpenFlags.Write) != 0);

    public async ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken ct)
    {
        await inner.SetAttributesAsync(path, attributes, followLinks, ct).ConfigureAwait(false);
        SetStatLogs(path, attributes);
    }

    public async ValueTask RemoveFileAsync(string path, CancellationToken ct)
    {
        await inner.RemoveFileAsync(path, ct).ConfigureAwait(false);
        Command("Remove", path);
        Raise(FileActions.Delete, path);
    }

    public async ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken ct)
    {
        await inner.CreateDirectoryAsync(path, attributes, ct).ConfigureAwait(false);
        Command("Mkdir", path);
    }

    public async ValueTask RemoveDirectoryAsync(string path, CancellationToken ct)
    {
        await inner.RemoveDirectoryAsync(path, ct).ConfigureAwait(false);
        Command("Rmdir", path);
    }

    public async ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken ct)
    {
        await inner.RenameAsync(oldPath, newPath, overwrite, ct).ConfigureAwait(false);
        Command("Rename", oldPath, newPath);
        Raise(FileActions.Rename, oldPath, newPath);
    }

    public async ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken ct)
    {
        await inner.CreateSymbolicLinkAsync(linkPath, targetPath, ct).ConfigureAwait(false);
        Command("Symlink", targetPath, linkPath);
    }

    public async ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken ct)
    {
        await inner.CreateHardLinkAsync(existingPath, newPath, ct).ConfigureAwait(false);
        Command("Link", existingPath, newPath);
    }

    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken ct) => inner.GetAttributesAsync(path, followLinks, ct);
    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken ct) => inner.OpenDirectoryAsync(path, ct);
    public ValueTask<string> ReadLinkAsync(string path, CancellationToken ct) => inner.ReadLinkAsync(path, ct);
    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken ct) => inner.GetCanonicalPathAsync(path, ct);
    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken ct) => inner.GetFileSystemStatsAsync(path, ct);

    /// <summary>Counts the bytes moved through one handle; logs the transfer once, when it ends.</summary>
    private sealed class AuditFile(ISftpFile file, AuditFileSystem owner, string path, bool openedForWrite) : ISftpFile
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _read;
        private long _written;
        private int _logged;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
        {
            int n = await file.ReadAsync(offset, buffer, ct).ConfigureAwait(false);
            _read += n;
            return n;
        }

        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            await file.WriteAsync(offset, data, ct).ConfigureAwait(false);
            _written += data.Length;
        }

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken ct) => file.GetAttributesAsync(ct);

        public async ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken ct)
        {
            await file.SetAttributesAsync(attributes, ct).ConfigureAwait(false);
            owner.SetStatLogs(path, attributes);
        }

        public ValueTask FlushAsync(CancellationToken ct) => file.FlushAsync(ct);

        public async ValueTask CloseAsync(CancellationToken ct)
        {
            await file.CloseAsync(ct).ConfigureAwait(false);
            Log("info");
        }

        public async ValueTask DisposeAsync()
        {
            await file.DisposeAsync().ConfigureAwait(false);
            Log("warn"); // ended without a close: the transfer was interrupted
        }

        private void Log(string level)
        {
            // An empty upload (created or truncated, nothing written) is still an upload. Files an
            // SSH command reads (md5sum …) are not transfers: the seed logs SFTP and SCP transfers
            // only, and such commands raise ssh_cmd, never download.
            if ((_read == 0 && _written == 0 && !openedForWrite) || owner.Protocol == "SSH" || Interlocked.Exchange(ref _logged, 1) != 0)
            {
                return;
            }

            bool upload = _written > 0 || (_read == 0 && openedForWrite);
            owner.Raise(upload ? FileActions.Upload : FileActions.Download, path, bytes: upload ? _written : _read, succeeded: level == "info");

            owner.WriteTransfer(level, upload ? "Upload" : "Download", new Dictionary<string, object?>
            {
                ["elapsed_ms"] = (long)Stopwatch.GetElapsedTime(_started).TotalMilliseconds,
                ["size_bytes"] = upload ? _written : _read,
                ["username"] = owner.UserName,
                ["file_path"] = path,
                ["connection_id"] = owner.ConnectionId,
                ["protocol"] = owner.Protocol,
            });
        }
    }

    private string UserName => username;

    private string ConnectionId => connectionId;

    private string Protocol => protocol;

    private void WriteTransfer(string level, string sender, Dictionary<string, object?> fields) => log.Write(level, sender, "", fields);
}
