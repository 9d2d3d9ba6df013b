namespace Wharf.Ssh.Authentication;

/// <summary>
/// One user authentication attempt handed to the host (RFC 4252). The host answers with an
/// <see cref="AuthenticationResult"/>; the library has already checked everything protocol-level
/// (signatures, certificate validity), so the host decides only whether this user may log in
/// this way.
/// </summary>
public abstract class AuthenticationRequest
{
    private protected AuthenticationRequest(SshSession session, string userName, string method, IReadOnlyList<string> completedMethods)
    {
        Session = session;
        UserName = userName;
        Method = method;
        CompletedMethods = completedMethods;
    }

    /// <summary>The connection (remote address, client version, items).</summary>
    public SshSession Session { get; }

    /// <summary>The user name the client asked for.</summary>
    public string UserName { get; }

    /// <summary>The method name: <c>password</c>, <c>publickey</c> or <c>keyboard-interactive</c>.</summary>
    public string Method { get; }

    /// <summary>Methods that already succeeded partially on this connection (multi-step authentication).</summary>
    public IReadOnlyList<string> CompletedMethods { get; }
}
