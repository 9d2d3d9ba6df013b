using Wharf.Server.Accounts;

namespace Wharf.Server.Commands.System;

/// <summary>What a system command (rsync, git) needs to know about the user running it.</summary>
public sealed class SystemCommandContext
{
    /// <summary>The user's physical home directory: the process runs there and every path must stay inside it.</summary>
    public required string HomeDirectory { get; init; }

    /// <summary>The user's permissions; system commands need every permission in the directories they touch.</summary>
    public required PermissionSet Permissions { get; init; }

    /// <summary>Bytes the user may still store; null means no limit, zero or less means the quota is exhausted.</summary>
    public long? RemainingQuotaBytes { get; init; }

    /// <summary>Files the user may still create; null means no limit, zero or less means the quota is exhausted.</summary>
    public int? RemainingQuotaFiles { get; init; }

    /// <summary>
    /// The user id to run the command as (with <see cref="Gid"/>), when the server runs as root; the program is
    /// started through setpriv(1) so that it never runs with root's rights. Null runs it as the server's user.
    /// </summary>
    public int? Uid { get; init; }

    /// <summary>The group id to run the command as; used with <see cref="Uid"/>.</summary>
    public int? Gid { get; init; }

    /// <summary>Called once the command ends (whatever its outcome), for example to rescan the user's quota.</summary>
    public Func<Task>? OnFinished { get; init; }
}
