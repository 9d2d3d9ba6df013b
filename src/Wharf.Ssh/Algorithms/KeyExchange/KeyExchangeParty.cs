namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// One side of a key exchange method, driven by the transport with the method-specific
/// messages (numbers 30 to 49). When <see cref="Result"/> becomes non-null the exchange is done.
/// Any invalid value (a public value out of range, a point not on the curve, an all-zero
/// X25519 secret, a bad signature) throws <see cref="SshConnectionException"/> with
/// <see cref="SshDisconnectReason.KeyExchangeFailed"/>.
/// </summary>
public abstract class KeyExchangeParty : IDisposable
{
    /// <summary>Set once the exchange is complete.</summary>
    public KexResult? Result { get; protected set; }

    /// <summary>Client side only: the first message to send (e.g. SSH_MSG_KEX_ECDH_INIT); the server returns null.</summary>
    public virtual byte[]? Start() => null;

    /// <summary>
    /// Handles one incoming payload (starting with its message number) and returns the payloads
    /// to send in reply, in order (often one, possibly none).
    /// </summary>
    public abstract IReadOnlyList<byte[]> Handle(ReadOnlySpan<byte> payload);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
