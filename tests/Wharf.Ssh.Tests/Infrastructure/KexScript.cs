namespace Wharf.Ssh.Tests.Infrastructure;

/// <summary>
/// What a test client does during one key exchange besides the exchange itself: a client like
/// asyncssh keeps sending channel data after its KEXINIT; a hostile one sends whatever it likes.
/// </summary>
public sealed class KexScript
{
    /// <summary>Runs right after the client's KEXINIT is sent, before anything is read.</summary>
    public Func<SshTestClient, Task>? AfterKexInit { get; init; }

    /// <summary>Runs once the exchange is computed (the server has sent its NEWKEYS), before the client's NEWKEYS.</summary>
    public Func<SshTestClient, Task>? BeforeNewKeys { get; init; }

    /// <summary>Receives each server message that arrives before the server's KEXINIT (what it was already sending).</summary>
    public Func<byte[], Task>? BeforeServerKexInit { get; init; }
}
