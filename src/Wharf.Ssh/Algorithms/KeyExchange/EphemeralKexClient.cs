using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Client side of a one-round exchange: send the public value in message 30, then check the
/// server's value and its signature over H from message 31.
/// </summary>
internal sealed class EphemeralKexClient : KeyExchangeParty
{
    private readonly KexContext _context;
    private readonly HashAlgorithmName _hash;
    private readonly KeyAgreement _agreement;
    private bool _started;

    public EphemeralKexClient(KexContext context, HashAlgorithmName hash, KeyAgreement agreement)
    {
        _context = context;
        _hash = hash;
        _agreement = agreement;
    }

    public override byte[]? Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("the key exchange has already started");
        }

        _started = true;
        using var w = new SshWriter();
        w.WriteByte(KexMessageNumbers.EphemeralInit);
        _agreement.WriteLocalPublic(w);
        return w.ToArray();
    }

    public override IReadOnlyList<byte[]> Handle(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        byte number = r.ReadByte();
        if (Result is not null)
        {
            throw KexFailure.AlreadyComplete(number);
        }

        if (!_started || number != KexMessageNumbers.EphemeralReply)
        {
            throw KexFailure.Unexpected(number, "the server's key exchange reply (31)");
        }

        var hostKeyBlob = r.ReadBinaryArray();
        _agreement.ReadPeerPublic(ref r);
        var signature = r.ReadBinaryArray();
        r.EnsureEnd();

        var k = _agreement.DeriveSharedSecret();
        var h = ExchangeHash.Begin(_context, hostKeyBlob);
        _agreement.WriteLocalPublic(h);
        _agreement.WritePeerPublic(h);
        var exchangeHash = ExchangeHash.Finish(h, _hash, k);

        HostKeySignature.Verify(_context, hostKeyBlob, exchangeHash, signature);

        Result = new KexResult(k, exchangeHash, _hash, hostKeyBlob);
        return [];
    }

    public override void Dispose()
    {
        _agreement.Dispose();
        base.Dispose();
    }
}
