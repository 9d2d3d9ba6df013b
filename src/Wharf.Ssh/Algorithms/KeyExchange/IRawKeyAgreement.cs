namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// The classical half of a hybrid exchange. The hybrid methods concatenate raw public values and
/// raw shared secrets, so this view has no SSH framing (no string length, no mpint).
/// </summary>
internal interface IRawKeyAgreement : IDisposable
{
    /// <summary>The exact length every public value of this agreement has.</summary>
    int PublicKeyLength { get; }

    /// <summary>This side's public value, raw.</summary>
    ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>
    /// Validates the peer's raw public value and returns the raw shared secret; any invalid value
    /// throws KeyExchangeFailed.
    /// </summary>
    byte[] AgreeRaw(ReadOnlySpan<byte> peerPublic);
}
