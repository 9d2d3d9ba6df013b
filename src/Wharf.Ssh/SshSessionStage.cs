namespace Wharf.Ssh;

/// <summary>
/// How far a connection has got, in the order a client moves through them. The admission policy
/// evicts the least advanced idle connections first (<see cref="SshSession.Stage"/>).
/// </summary>
public enum SshSessionStage
{
    /// <summary>Connected; the client's identification line has not arrived yet.</summary>
    AwaitingVersion,

    /// <summary>The client's identification line arrived; its KEXINIT has not.</summary>
    AwaitingKexInit,

    /// <summary>The initial key exchange is running.</summary>
    KeyExchange,

    /// <summary>Keys are in place; no authentication request has arrived yet.</summary>
    AwaitingAuthentication,

    /// <summary>At least one authentication request has arrived.</summary>
    Authenticating,

    /// <summary>The user authenticated.</summary>
    Authenticated,
}
