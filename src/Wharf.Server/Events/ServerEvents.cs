using System.Net;
using Wharf.Server.Accounts;

namespace Wharf.Server.Events;

/// <summary>
/// What happened in the service, for the parts that react to it (metrics, sftpd and
/// data_provider actions). Raised after the fact; a subscriber must return quickly and must
/// not throw — slow work (running a command, an HTTP request) is queued by the subscriber.
/// </summary>
public sealed class ServerEvents
{
    /// <summary>A file operation ended: transfers, deletes, renames, and SSH commands. Raised for failures too (see <see cref="FileActionEvent.Succeeded"/>).</summary>
    public event Action<FileActionEvent>? FileAction;

    /// <summary>An authentication attempt was decided (publickey queries are not attempts).</summary>
    public event Action<LoginEvent>? Login;

    /// <summary>A user was added, updated or deleted through the service (not last-login or quota updates).</summary>
    public event Action<UserChangedEvent>? UserChanged;

    /// <summary>Raises <see cref="FileAction"/>, isolating the caller from subscriber faults.</summary>
    public void Raise(FileActionEvent e) => Invoke(FileAction, e);

    /// <summary>Raises <see cref="Login"/>.</summary>
    public void Raise(LoginEvent e) => Invoke(Login, e);

    /// <summary>Raises <see cref="UserChanged"/>.</summary>
    public void Raise(UserChangedEvent e) => Invoke(UserChanged, e);

    private static void Invoke<T>(Action<T>? handlers, T e)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<T>>())
        {
            try
            {
                handler(e);
            }
            catch (Exception)
            {
                // A broken observer must never fail the transfer or login that raised the event.
            }
        }
    }
}

/// <summary>The sftpd action names of the seed (execute_on values).</summary>
public static class FileActions
{
    public const string Download = "download";
    public const string Upload = "upload";
    public const string Delete = "delete";
    public const string Rename = "rename";
    public const string SshCommand = "ssh_cmd";
}

/// <summary>
/// One finished operation. <see cref="Path"/> and <see cref="TargetPath"/> are the paths on the
/// server's file system (as SFTPGo passes them to actions); <see cref="VirtualPath"/> is what the
/// client saw.
/// </summary>
public sealed record FileActionEvent
{
    /// <summary>One of <see cref="FileActions"/>.</summary>
    public required string Action { get; init; }
    public required string Username { get; init; }
    public string Path { get; init; } = "";
    public string TargetPath { get; init; } = "";
    public string VirtualPath { get; init; } = "";
    public string VirtualTargetPath { get; init; } = "";

    /// <summary>The command line, for <see cref="FileActions.SshCommand"/>.</summary>
    public string SshCommand { get; init; } = "";

    /// <summary>SFTP, SCP or SSH.</summary>
    public string Protocol { get; init; } = "SFTP";
    public string ConnectionId { get; init; } = "";

    /// <summary>Bytes moved, for uploads and downloads.</summary>
    public long Bytes { get; init; }

    /// <summary>False when the operation failed or the transfer was interrupted; actions only run for true.</summary>
    public bool Succeeded { get; init; } = true;
}

/// <summary>An authentication attempt's outcome.</summary>
/// <param name="Method">password, public_key or keyboard-interactive.</param>
public sealed record LoginEvent(string Method, bool Succeeded, string Username, IPAddress RemoteAddress);

/// <summary>The data_provider action names (execute_on values).</summary>
public static class UserActions
{
    public const string Add = "add";
    public const string Update = "update";
    public const string Delete = "delete";
}

/// <summary>A user write; <see cref="User"/> is the stored user (password hashed) or, for delete, the user as it was.</summary>
public sealed record UserChangedEvent(string Action, User User);
