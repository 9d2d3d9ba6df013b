using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Server side of a one-round exchange (RFC 4253 §8, RFC 5656 §4, RFC 8731): receive the
/// client's public value in message 30, reply with K_S, the server's public value and the
/// signature over H in message 31.
/// </summary>
internal sealed class EphemeralKexServer : KeyExchangeParty
{
    private readonly KexContext _context;
    private readonly HashAlgorithmName _hash;
    private readonly KeyAgreement _agreement;

    public EphemeralKexServer(KexContext context, HashAlgorithmName hash, KeyAgreement agreement)
    {
        HostKeySignature.RequireHostKey(context);
        _context = context;
        _hash = hash;
        _agreement = agreement;
    }

    public override IReadOnlyList<byte[]> Handle(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        byte number = r.ReadByte();
        if (Result is not null)
        {
            throw KexFailure.AlreadyComplete(number);
        }

        if (number != KexMessageNumbers.EphemeralInit)
        {
            throw KexFailure.Unexpected(number, "the client's key exchange init (30)");
        }

        _agreement.ReadPeerPublic(ref r);
        r.EnsureEnd();

        var hostKeyBlob = _context.HostKey!.PublicKey.Blob.ToArray();
        var k = _agreement.DeriveSharedSecret();

        var h = ExchangeHash.Begin(_context, hostKeyBlob);
        _agreement.WritePeerPublic(h);
        _agreement.WriteLocalPublic(h);
        var exchangeHash = ExchangeHash.Finish(h, _hash, k);

        var signature = HostKeySignature.Sign(_context, exchangeHash);

        using var w = new SshWriter(hostKeyBlob.Length + signature.Length + 1200);
        w.WriteByte(KexMessageNumbers.EphemeralReply);
        w.WriteBinary(hostKeyBlob);
        _agreement.WriteLocalPublic(w);
        w.WriteBinary(signature);
        var reply = w.ToArray();

        Result = new KexResult(k, exchangeHash, _hash, hostKeyBlob);
        return [reply];
    }

    public override void Dispose()
    {
        _agreement.Dispose();
        base.Dispose();
    }
}
