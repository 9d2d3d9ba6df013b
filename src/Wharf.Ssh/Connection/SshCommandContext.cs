namespace Wharf.Ssh.Connection;

/// <summary>What a command, shell or subsystem handler gets to work with.</summary>
public sealed class SshCommandContext
{
    internal SshCommandContext(SshSession session, SshChannel channel, string kind, string command)
    {
        Session = session;
        Channel = channel;
        Kind = kind;
        Command = command;
    }

    /// <summary>The connection, with the authenticated user.</summary>
    public SshSession Session { get; }

    /// <summary>The channel to read from and write to.</summary>
    public SshChannel Channel { get; }

    /// <summary><c>exec</c>, <c>subsystem</c> or <c>shell</c>.</summary>
    public string Kind { get; }

    /// <summary>The command line (exec), the subsystem name, or empty (shell).</summary>
    public string Command { get; }

    /// <summary>Environment variables the client set and the host allowed.</summary>
    public IReadOnlyDictionary<string, string> Environment => Channel.Environment;

    /// <summary>Cancelled when the channel closes or the connection ends.</summary>
    public CancellationToken Aborted => Channel.Closed;
}

/// <summary>Runs a command, shell or subsystem on a channel and returns its exit status.</summary>
public delegate Task<int> SshCommandHandler(SshCommandContext context);
