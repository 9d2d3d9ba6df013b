namespace Wharf.Ssh.Tests.Infrastructure;

/// <summary>The server sent SSH_MSG_DISCONNECT where the test client expected something else.</summary>
public sealed class ServerDisconnectedException(SshDisconnectReason reason, string text)
    : Exception($"server disconnected ({reason}): {text}")
{
    public SshDisconnectReason Reason { get; } = reason;

    public string Text { get; } = text;
}
