using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// A one-round method: curve25519-sha256 (RFC 8731), ecdh-sha2-nistp* (RFC 5656), a fixed
/// diffie-hellman-group* (RFC 4253 §8, RFC 8268) or a post-quantum hybrid (messages 30 and 31
/// carry its blobs as strings). They differ only in the key agreement and hash.
/// </summary>
internal sealed class EphemeralKeyExchange : KeyExchangeAlgorithm
{
    private readonly Func<KeyExchangeRole, KeyAgreement> _createAgreement;

    public EphemeralKeyExchange(string name, HashAlgorithmName hash, Func<KeyExchangeRole, KeyAgreement> createAgreement)
    {
        Name = name;
        HashAlgorithm = hash;
        _createAgreement = createAgreement;
    }

    public override string Name { get; }

    public override HashAlgorithmName HashAlgorithm { get; }

    public override KeyExchangeParty CreateServer(KexContext context)
    {
        HostKeySignature.RequireHostKey(context);
        return new EphemeralKexServer(context, HashAlgorithm, _createAgreement(KeyExchangeRole.Server));
    }

    public override KeyExchangeParty CreateClient(KexContext context) =>
        new EphemeralKexClient(context, HashAlgorithm, _createAgreement(KeyExchangeRole.Client));
}
