namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>Builds the exceptions a key exchange throws, so every method reports failures the same way.</summary>
internal static class KexFailure
{
    /// <summary>A peer value or signature that is well-formed but unacceptable.</summary>
    public static SshConnectionException Failed(string message, Exception? inner = null) =>
        new(message, SshDisconnectReason.KeyExchangeFailed, inner);

    /// <summary>A message that does not belong at this point of the exchange.</summary>
    public static SshConnectionException Unexpected(byte messageNumber, string expected) =>
        new($"unexpected message {messageNumber} during key exchange, expected {expected}", SshDisconnectReason.ProtocolError);

    /// <summary>Handle called after the exchange finished: the transport should have stopped routing here.</summary>
    public static SshConnectionException AlreadyComplete(byte messageNumber) =>
        new($"unexpected message {messageNumber}: key exchange already complete", SshDisconnectReason.ProtocolError);
}
