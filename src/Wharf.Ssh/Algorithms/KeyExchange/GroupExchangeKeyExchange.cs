using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8270 minimum sizes).</summary>
internal sealed class GroupExchangeKeyExchange : KeyExchangeAlgorithm
{
    public GroupExchangeKeyExchange(string name, HashAlgorithmName hash)
    {
        Name = name;
        HashAlgorithm = hash;
    }

    public override string Name { get; }

    public override HashAlgorithmName HashAlgorithm { get; }

    public override KeyExchangeParty CreateServer(KexContext context) => new GroupExchangeServer(context, HashAlgorithm);

    public override KeyExchangeParty CreateClient(KexContext context) => new GroupExchangeClient(context, HashAlgorithm);
}
