using Wharf.Server.Accounts;

namespace Wharf.Server.Commands.System;

/// <summary>What a system command (rsync, git) needs to know about the user running it.</summary>
public sealed class SystemCommandContext
{
    /// <summary>The user's physical home directory: the only part of the host the sandbox shows the command.</summary>
    public required string HomeDirectory { get; init; }

    /// <summary>
    /// The user's permissions. Inside the sandbox a program can do anything the home's files allow, so
    /// system commands run only for users with every permission everywhere (<see cref="PermissionSet.IsFullEverywhere"/>).
    /// </summary>
    public required PermissionSet Permissions { get; init; }

    /// <summary>Bytes the user may still store; null means no limit, zero or less means the quota is exhausted.</summary>
    public long? RemainingQuotaBytes { get; init; }

    /// <summary>Files the user may still create; null means no limit, zero or less means the quota is exhausted.</summary>
    public long? RemainingQuotaFiles { get; init; }

    /// <summary>
    /// The user id to run the command as (with <see cref="Gid"/>) when the server runs as root. A root server
    /// refuses system commands to a user without one: they never run as root. Ignored when the server is not
    /// root (the command runs as the server's user).
    /// </summary>
    public int? Uid { get; init; }

    /// <summary>The group id to run the command as; used with <see cref="Uid"/>.</summary>
    public int? Gid { get; init; }

    /// <summary>CPU, memory, process and open-file limits of the sandboxed command.</summary>
    public SandboxLimits Limits { get; init; } = new();

    /// <summary>
    /// Measures what the home holds (bytes and files, counted as the quota counts them), to hold an upload
    /// to what it really stores rather than what crossed the wire; null uses a no-follow walk of the home.
    /// </summary>
    public Func<CancellationToken, Task<(long Size, long Files)>>? MeasureUsage { get; init; }

    /// <summary>Called once the command ends (whatever its outcome), for example to rescan the user's quota.</summary>
    public Func<Task>? OnFinished { get; init; }
}
