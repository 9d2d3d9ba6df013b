using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>X25519 (RFC 7748) with the SSH encodings of RFC 8731.</summary>
internal sealed class X25519KeyAgreement : KeyAgreement, IRawKeyAgreement
{
    private const int Size = 32;

    private readonly byte[] _privateKey = new byte[Size];
    private readonly byte[] _publicKey = new byte[Size];
    private byte[]? _peerPublic;

    public X25519KeyAgreement()
    {
        // RFC 7748 §5: any 32 random bytes; clamping happens inside the scalar multiplication.
        RandomNumberGenerator.Fill(_privateKey);
        X25519.ScalarMultBase(_privateKey, 0, _publicKey, 0);
    }

    public int PublicKeyLength => Size;

    public ReadOnlySpan<byte> PublicKey => _publicKey;

    public override void WriteLocalPublic(SshWriter w) => w.WriteBinary(_publicKey);

    public override void ReadPeerPublic(ref SshReader r)
    {
        var q = r.ReadBinary();
        CheckLength(q);
        _peerPublic = q.ToArray();
    }

    public override void WritePeerPublic(SshWriter w) => w.WriteBinary(Peer);

    public override byte[] DeriveSharedSecret()
    {
        var x = Agree(Peer);
        try
        {
            // RFC 8731 §3.1: the 32 bytes are read as a big-endian unsigned integer, as they are.
            return EncodeUnsignedMpint(x);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(x);
        }
    }

    public byte[] AgreeRaw(ReadOnlySpan<byte> peerPublic)
    {
        CheckLength(peerPublic);
        return Agree(peerPublic);
    }

    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        base.Dispose();
    }

    private static void CheckLength(ReadOnlySpan<byte> q)
    {
        if (q.Length != Size)
        {
            // RFC 8731 §3: a public key of any other length aborts the exchange.
            throw KexFailure.Failed($"X25519 public key is {q.Length} bytes, expected {Size}");
        }
    }

    private byte[] Agree(ReadOnlySpan<byte> peer)
    {
        var x = new byte[Size];

        // CalculateAgreement returns false for an all-zero result, which a low-order peer
        // point forces whatever our scalar is (RFC 7748 §6.1, RFC 8731 §3).
        if (!X25519.CalculateAgreement(_privateKey, 0, peer.ToArray(), 0, x, 0))
        {
            CryptographicOperations.ZeroMemory(x);
            throw KexFailure.Failed("X25519 shared secret is all zero (low-order public key)");
        }

        return x;
    }

    private byte[] Peer => _peerPublic ?? throw new InvalidOperationException("peer public key not read yet");
}
