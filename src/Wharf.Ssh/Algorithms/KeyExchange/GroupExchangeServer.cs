using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Server side of diffie-hellman-group-exchange-* (RFC 4419): the client asks for a group size,
/// the server answers with one of the RFC 3526 groups, then a DH round follows.
/// </summary>
internal sealed class GroupExchangeServer : KeyExchangeParty
{
    /// <summary>Smallest group offered whatever the client asks (as OpenSSH's DH_GRP_MIN).</summary>
    public const uint MinimumBits = 2048;

    /// <summary>Largest group offered (as OpenSSH's DH_GRP_MAX).</summary>
    public const uint MaximumBits = 8192;

    /// <summary>Requests with any value above this are refused before any arithmetic on them.</summary>
    public const uint RequestLimit = 2 * MaximumBits;

    private readonly KexContext _context;
    private readonly HashAlgorithmName _hash;
    private uint _min, _n, _max;
    private DiffieHellmanGroup? _group;
    private DiffieHellmanKeyAgreement? _agreement;

    public GroupExchangeServer(KexContext context, HashAlgorithmName hash)
    {
        HostKeySignature.RequireHostKey(context);
        _context = context;
        _hash = hash;
    }

    public override IReadOnlyList<byte[]> Handle(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        byte number = r.ReadByte();
        if (Result is not null)
        {
            throw KexFailure.AlreadyComplete(number);
        }

        if (_agreement is null)
        {
            return [HandleRequest(number, ref r)];
        }

        if (number != KexMessageNumbers.GexInit)
        {
            throw KexFailure.Unexpected(number, "SSH_MSG_KEX_DH_GEX_INIT (32)");
        }

        return [HandleInit(ref r)];
    }

    /// <summary>
    /// Picks the group for a request, refusing requests OpenSSH would refuse. The values are first
    /// bounded, then clamped to [<see cref="MinimumBits"/>, <see cref="MaximumBits"/>] as OpenSSH
    /// does, then the smallest group of at least n bits within [min, max] is chosen, or failing
    /// that the largest within [min, max] (RFC 4419 §3).
    /// </summary>
    public static DiffieHellmanGroup SelectGroup(uint min, uint n, uint max)
    {
        if (min > RequestLimit || n > RequestLimit || max > RequestLimit)
        {
            throw KexFailure.Failed($"group exchange request {min}/{n}/{max} exceeds {RequestLimit} bits");
        }

        if (min > max || max < MinimumBits)
        {
            throw KexFailure.Failed($"group exchange request {min}/{n}/{max} is not acceptable");
        }

        uint lo = Math.Max(MinimumBits, min);
        uint hi = Math.Min(MaximumBits, max);
        uint preferred = Math.Clamp(n, MinimumBits, MaximumBits);
        if (lo > hi || preferred < lo || preferred > hi)
        {
            throw KexFailure.Failed($"group exchange request {min}/{n}/{max} is not acceptable");
        }

        DiffieHellmanGroup? largest = null;
        foreach (var group in DiffieHellmanGroup.All)
        {
            if (group.Bits < lo || group.Bits > hi)
            {
                continue;
            }

            if (group.Bits >= preferred)
            {
                return group;
            }

            largest = group;
        }

        return largest ?? throw KexFailure.Failed($"no group fits the group exchange request {min}/{n}/{max}");
    }

    private byte[] HandleRequest(byte number, ref SshReader r)
    {
        if (number == KexMessageNumbers.GexRequestOld)
        {
            // Carries no minimum, so the client's acceptable range is unknown; OpenSSH dropped it too.
            throw KexFailure.Failed("SSH_MSG_KEX_DH_GEX_REQUEST_OLD is not supported");
        }

        if (number != KexMessageNumbers.GexRequest)
        {
            throw KexFailure.Unexpected(number, "SSH_MSG_KEX_DH_GEX_REQUEST (34)");
        }

        _min = r.ReadUInt32();
        _n = r.ReadUInt32();
        _max = r.ReadUInt32();
        r.EnsureEnd();

        _group = SelectGroup(_min, _n, _max);
        _agreement = new DiffieHellmanKeyAgreement(_group.P, _group.G, _group.ExponentBits);

        using var w = new SshWriter(_group.Bits / 8 + 32);
        w.WriteByte(KexMessageNumbers.GexGroup);
        w.WriteMpint(_group.P);
        w.WriteMpint(_group.G);
        return w.ToArray();
    }

    private byte[] HandleInit(ref SshReader r)
    {
        var agreement = _agreement!;
        var group = _group!;
        agreement.ReadPeerPublic(ref r);
        r.EnsureEnd();

        var hostKeyBlob = _context.HostKey!.PublicKey.Blob.ToArray();
        var k = agreement.DeriveSharedSecret();

        // RFC 4419 §3: the request is hashed as the client sent it, before any clamping.
        var h = ExchangeHash.Begin(_context, hostKeyBlob);
        h.WriteUInt32(_min);
        h.WriteUInt32(_n);
        h.WriteUInt32(_max);
        h.WriteMpint(group.P);
        h.WriteMpint(group.G);
        agreement.WritePeerPublic(h);
        agreement.WriteLocalPublic(h);
        var exchangeHash = ExchangeHash.Finish(h, _hash, k);

        var signature = HostKeySignature.Sign(_context, exchangeHash);

        using var w = new SshWriter(hostKeyBlob.Length + signature.Length + group.Bits / 8 + 32);
        w.WriteByte(KexMessageNumbers.GexReply);
        w.WriteBinary(hostKeyBlob);
        agreement.WriteLocalPublic(w);
        w.WriteBinary(signature);
        var reply = w.ToArray();

        Result = new KexResult(k, exchangeHash, _hash, hostKeyBlob);
        return reply;
    }

    public override void Dispose()
    {
        _agreement?.Dispose();
        base.Dispose();
    }
}
