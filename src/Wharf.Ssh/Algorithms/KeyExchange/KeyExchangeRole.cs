namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Which side of an exchange an agreement serves. Diffie-Hellman is symmetric, but in a KEM the
/// client generates a key pair and the server encapsulates against it, so the two sides build
/// different objects.
/// </summary>
internal enum KeyExchangeRole
{
    /// <summary>Sends the first public value (message 30).</summary>
    Client,

    /// <summary>Answers it (message 31) and signs H.</summary>
    Server,
}
