using System.Numerics;
using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>Client side of diffie-hellman-group-exchange-* (RFC 4419).</summary>
internal sealed class GroupExchangeClient : KeyExchangeParty
{
    private readonly KexContext _context;
    private readonly HashAlgorithmName _hash;
    private readonly uint _min, _n, _max;
    private BigInteger _p, _g;
    private DiffieHellmanKeyAgreement? _agreement;
    private bool _started;

    /// <param name="context">The exchange context.</param>
    /// <param name="hash">The method's hash.</param>
    /// <param name="min">Smallest acceptable group; values as OpenSSH clients send by default.</param>
    /// <param name="n">Preferred group size.</param>
    /// <param name="max">Largest acceptable group.</param>
    public GroupExchangeClient(KexContext context, HashAlgorithmName hash, uint min = 2048, uint n = 3072, uint max = 8192)
    {
        if (min > n || n > max)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "group exchange sizes must satisfy min <= n <= max");
        }

        _context = context;
        _hash = hash;
        _min = min;
        _n = n;
        _max = max;
    }

    public override byte[]? Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("the key exchange has already started");
        }

        _started = true;
        using var w = new SshWriter();
        w.WriteByte(KexMessageNumbers.GexRequest);
        w.WriteUInt32(_min);
        w.WriteUInt32(_n);
        w.WriteUInt32(_max);
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

        if (_started && _agreement is null && number == KexMessageNumbers.GexGroup)
        {
            return [HandleGroup(ref r)];
        }

        if (_agreement is not null && number == KexMessageNumbers.GexReply)
        {
            HandleReply(ref r);
            return [];
        }

        throw KexFailure.Unexpected(number, _agreement is null ? "SSH_MSG_KEX_DH_GEX_GROUP (31)" : "SSH_MSG_KEX_DH_GEX_REPLY (33)");
    }

    private byte[] HandleGroup(ref SshReader r)
    {
        var p = r.ReadMpint();
        var g = r.ReadMpint();
        r.EnsureEnd();

        // The client cannot afford a primality proof here; it checks what OpenSSH checks: the
        // size it asked for, an odd modulus, and a generator that is not trivial.
        long bits = p.Sign > 0 ? p.GetBitLength() : 0;
        if (bits < _min || bits > _max || p.IsEven)
        {
            throw KexFailure.Failed($"server sent a {bits}-bit group outside the requested {_min}..{_max} bits");
        }

        if (g <= BigInteger.One || g >= p - 1)
        {
            throw KexFailure.Failed("server sent an invalid group generator");
        }

        _p = p;
        _g = g;
        _agreement = new DiffieHellmanKeyAgreement(p, g, DiffieHellmanKeyAgreement.ExponentBitsFor((int)bits));

        using var w = new SshWriter((int)bits / 8 + 16);
        w.WriteByte(KexMessageNumbers.GexInit);
        _agreement.WriteLocalPublic(w);
        return w.ToArray();
    }

    private void HandleReply(ref SshReader r)
    {
        var agreement = _agreement!;
        var hostKeyBlob = r.ReadBinaryArray();
        agreement.ReadPeerPublic(ref r);
        var signature = r.ReadBinaryArray();
        r.EnsureEnd();

        var k = agreement.DeriveSharedSecret();
        var h = ExchangeHash.Begin(_context, hostKeyBlob);
        h.WriteUInt32(_min);
        h.WriteUInt32(_n);
        h.WriteUInt32(_max);
        h.WriteMpint(_p);
        h.WriteMpint(_g);
        agreement.WriteLocalPublic(h);
        agreement.WritePeerPublic(h);
        var exchangeHash = ExchangeHash.Finish(h, _hash, k);

        HostKeySignature.Verify(_context, hostKeyBlob, exchangeHash, signature);

        Result = new KexResult(k, exchangeHash, _hash, hostKeyBlob);
    }

    public override void Dispose()
    {
        _agreement?.Dispose();
        base.Dispose();
    }
}
