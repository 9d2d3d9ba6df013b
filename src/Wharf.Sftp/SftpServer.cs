using System.Collections.Concurrent;
using System.Net;
using Wharf.Sftp.Events;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;
using Wharf.Sftp.Protocol;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;

namespace Wharf.Sftp;

/// <summary>
/// An SFTP server in a few lines: host keys, a root directory (or a file system per user) and
/// an authentication callback. Every step can be observed, denied or redirected through events
/// raised before and after it runs.
/// <code>
/// var server = new SftpServer(new SftpServerOptions { RootDirectory = "/srv/files" });
/// server.Options.Ssh.HostKeys.AddRange(HostKeyStore.LoadOrCreate("keys"));
/// server.Authenticate = req => ...;
/// server.FileOpen += (s, e) => { if (e.IsBefore &amp;&amp; e.Path.EndsWith(".exe")) e.Deny(); };
/// server.Start(2022);
/// </code>
/// </summary>
public sealed class SftpServer : IAsyncDisposable
{
    private readonly SshServer _ssh;
    private readonly ConcurrentDictionary<SshSession, SftpConnection> _connections = new();
    private readonly EventHandler<SftpOperationEventArgs>?[] _handlers = new EventHandler<SftpOperationEventArgs>?[Enum.GetValues<SftpOperation>().Length];

    /// <summary>Creates the server; nothing listens until <see cref="Start(IPEndPoint)"/>.</summary>
    public SftpServer(SftpServerOptions? options = null)
    {
        Options = options ?? new SftpServerOptions();
        var previousLogger = Options.Ssh.Logger;
        Options.Ssh.Logger = (level, message) =>
        {
            previousLogger?.Invoke(level, message);
            Log?.Invoke(this, new SftpLogEventArgs(level, message));
        };
        _ssh = new SshServer(Options.Ssh);
        _ssh.Subsystems["sftp"] = RunSftpAsync;
        _ssh.SessionStarted += s =>
        {
            var c = new SftpConnection(s);
            _connections[s] = c;
            Connected?.Invoke(this, new SftpConnectionEventArgs(c));
        };
        _ssh.SessionEnded += s =>
        {
            if (_connections.TryRemove(s, out var c))
            {
                Disconnected?.Invoke(this, new SftpConnectionEventArgs(c));
            }
        };
    }

    /// <summary>The configuration (set host keys in <c>Options.Ssh.HostKeys</c>).</summary>
    public SftpServerOptions Options { get; }

    /// <summary>The SSH server underneath, for exec handlers and lower-level events.</summary>
    public SshServer SshServer => _ssh;

    /// <summary>Decides every login (see <see cref="Wharf.Ssh.SshServer.Authenticate"/>).</summary>
    public Func<AuthenticationRequest, Task<AuthenticationResult>>? Authenticate
    {
        get => _ssh.Authenticate;
        set => _ssh.Authenticate = value;
    }

    /// <summary>
    /// Chooses the file system for a connection (a per-user root, or the host's own virtual
    /// tree). Without it every user gets <see cref="SftpServerOptions.RootDirectory"/>. The
    /// factory is called once per SFTP session and the session owns what it returns: it is
    /// disposed (when disposable) as the session ends, so return a new instance each time.
    /// </summary>
    public Func<SftpConnection, IFileSystem>? FileSystemFactory { get; set; }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint? LocalEndPoint => _ssh.LocalEndPoint;

    /// <summary>Live connections.</summary>
    public IReadOnlyCollection<SftpConnection> Connections => [.. _connections.Values];

    /// <summary>A client connected.</summary>
    public event EventHandler<SftpConnectionEventArgs>? Connected;

    /// <summary>A client's connection ended.</summary>
    public event EventHandler<SftpConnectionEventArgs>? Disconnected;

    /// <summary>Diagnostic messages (never secrets).</summary>
    public event EventHandler<SftpLogEventArgs>? Log;

    /// <summary>Opening a file.</summary>
    public event EventHandler<SftpOperationEventArgs>? FileOpen { add => Add(SftpOperation.FileOpen, value); remove => Remove(SftpOperation.FileOpen, value); }

    /// <summary>Each read from an open file (raised only while someone listens).</summary>
    public event EventHandler<SftpOperationEventArgs>? FileRead { add => Add(SftpOperation.FileRead, value); remove => Remove(SftpOperation.FileRead, value); }

    /// <summary>Each write to an open file (raised only while someone listens).</summary>
    public event EventHandler<SftpOperationEventArgs>? FileWrite { add => Add(SftpOperation.FileWrite, value); remove => Remove(SftpOperation.FileWrite, value); }

    /// <summary>Closing a file (after: the upload or download is complete).</summary>
    public event EventHandler<SftpOperationEventArgs>? FileClose { add => Add(SftpOperation.FileClose, value); remove => Remove(SftpOperation.FileClose, value); }

    /// <summary>Removing a file.</summary>
    public event EventHandler<SftpOperationEventArgs>? FileRemove { add => Add(SftpOperation.FileRemove, value); remove => Remove(SftpOperation.FileRemove, value); }

    /// <summary>Renaming (<c>Path</c> → <c>TargetPath</c>).</summary>
    public event EventHandler<SftpOperationEventArgs>? FileRename { add => Add(SftpOperation.FileRename, value); remove => Remove(SftpOperation.FileRename, value); }

    /// <summary>Creating a directory.</summary>
    public event EventHandler<SftpOperationEventArgs>? DirCreate { add => Add(SftpOperation.DirCreate, value); remove => Remove(SftpOperation.DirCreate, value); }

    /// <summary>Removing a directory.</summary>
    public event EventHandler<SftpOperationEventArgs>? DirRemove { add => Add(SftpOperation.DirRemove, value); remove => Remove(SftpOperation.DirRemove, value); }

    /// <summary>Listing a directory.</summary>
    public event EventHandler<SftpOperationEventArgs>? DirList { add => Add(SftpOperation.DirList, value); remove => Remove(SftpOperation.DirList, value); }

    /// <summary>stat, lstat and fstat.</summary>
    public event EventHandler<SftpOperationEventArgs>? GetAttributes { add => Add(SftpOperation.GetAttributes, value); remove => Remove(SftpOperation.GetAttributes, value); }

    /// <summary>setstat, lsetstat and fsetstat.</summary>
    public event EventHandler<SftpOperationEventArgs>? SetAttributes { add => Add(SftpOperation.SetAttributes, value); remove => Remove(SftpOperation.SetAttributes, value); }

    /// <summary>realpath and readlink (after: <c>TargetPath</c> holds the answer).</summary>
    public event EventHandler<SftpOperationEventArgs>? ResolvePath { add => Add(SftpOperation.ResolvePath, value); remove => Remove(SftpOperation.ResolvePath, value); }

    /// <summary>Creating a symbolic or hard link.</summary>
    public event EventHandler<SftpOperationEventArgs>? CreateLink { add => Add(SftpOperation.CreateLink, value); remove => Remove(SftpOperation.CreateLink, value); }

    private void Add(SftpOperation op, EventHandler<SftpOperationEventArgs>? handler) =>
        _handlers[(int)op] = (EventHandler<SftpOperationEventArgs>?)Delegate.Combine(_handlers[(int)op], handler);

    private void Remove(SftpOperation op, EventHandler<SftpOperationEventArgs>? handler) =>
        _handlers[(int)op] = (EventHandler<SftpOperationEventArgs>?)Delegate.Remove(_handlers[(int)op], handler);

    internal bool HasHandler(SftpOperation op) => _handlers[(int)op] is not null;

    internal void Raise(SftpOperationEventArgs e) => _handlers[(int)e.Operation]?.Invoke(this, e);

    /// <summary>Starts listening on all addresses at <paramref name="port"/> (0 picks a free one).</summary>
    public void Start(int port) => Start(new IPEndPoint(IPAddress.Any, port));

    /// <summary>Starts listening on <paramref name="endPoint"/>.</summary>
    public void Start(IPEndPoint endPoint)
    {
        if (FileSystemFactory is null && Options.RootDirectory is null)
        {
            throw new InvalidOperationException("set Options.RootDirectory or FileSystemFactory");
        }

        _ssh.Start(endPoint);
    }

    /// <summary>Ends the connection with <paramref name="connectionId"/>; false when there is none.</summary>
    public async Task<bool> DisconnectAsync(string connectionId)
    {
        var c = _connections.Values.FirstOrDefault(x => x.Id == connectionId);
        if (c is null)
        {
            return false;
        }

        await c.DisconnectAsync().ConfigureAwait(false);
        return true;
    }

    private async Task<int> RunSftpAsync(Wharf.Ssh.Connection.SshCommandContext context)
    {
        if (!_connections.TryGetValue(context.Session, out var connection))
        {
            return 1;
        }

        IFileSystem fs;
        try
        {
            fs = FileSystemFactory?.Invoke(connection) ?? (!OperatingSystem.IsLinux()
                ? throw new PlatformNotSupportedException("the local file system needs Linux; provide a FileSystemFactory")
                : new LocalFileSystem(new LocalFileSystemOptions
            {
                RootDirectory = Options.RootDirectory!,
                Umask = Options.Umask,
                UploadMode = Options.UploadMode,
                SetStatMode = Options.SetStatMode,
            }));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SftpException or ArgumentException or PlatformNotSupportedException)
        {
            Log?.Invoke(this, new SftpLogEventArgs(SshLogLevel.Error, $"[{connection.Id}] cannot open the file system: {ex.Message}"));
            return 1;
        }

        try
        {
            var symlinkOrder = SftpClientQuirks.SymlinkOrder(context.Session.ClientVersion, context.Session.ServerVersion);
            if (symlinkOrder != SymlinkArgumentOrder.TargetFirst)
            {
                Log?.Invoke(this, new SftpLogEventArgs(SshLogLevel.Debug, $"[{connection.Id}] client quirk: SYMLINK arguments read in {symlinkOrder} order"));
            }

            var session = new SftpSession(new EventFileSystem(fs, connection, this), Options.Sftp) { SymlinkArgumentOrder = symlinkOrder };
            connection.CurrentSftpSession = session;
            return await session.RunAsync(context.Channel, context.Aborted).ConfigureAwait(false);
        }
        finally
        {
            // Each session owns its file system (the local one holds the root directory open).
            if (fs is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else if (fs is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }

    /// <summary>Stops listening and disconnects everyone.</summary>
    public Task StopAsync() => _ssh.StopAsync();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _ssh.DisposeAsync();
}
