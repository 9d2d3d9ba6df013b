using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>ECDH over a NIST prime curve (RFC 5656 §4) with uncompressed SEC1 points.</summary>
internal sealed class EcdhKeyAgreement : KeyAgreement, IRawKeyAgreement
{
    private readonly ECCurve _curve;
    private readonly ECDiffieHellman _key;
    private readonly int _fieldBytes;
    private readonly byte[] _publicPoint;
    private byte[]? _peerPoint;
    private ECDiffieHellman? _peerKey;

    /// <param name="curve">A named NIST curve.</param>
    /// <param name="fieldBytes">The byte length of one coordinate (32, 48 or 66).</param>
    public EcdhKeyAgreement(ECCurve curve, int fieldBytes)
    {
        _curve = curve;
        _fieldBytes = fieldBytes;
        _key = ECDiffieHellman.Create(curve);
        var q = _key.ExportParameters(false).Q;
        _publicPoint = new byte[1 + 2 * fieldBytes];
        _publicPoint[0] = 0x04;
        CopyRightAligned(q.X!, _publicPoint.AsSpan(1, fieldBytes));
        CopyRightAligned(q.Y!, _publicPoint.AsSpan(1 + fieldBytes, fieldBytes));
    }

    public override void WriteLocalPublic(SshWriter w) => w.WriteBinary(_publicPoint);

    public int PublicKeyLength => 1 + 2 * _fieldBytes;

    public ReadOnlySpan<byte> PublicKey => _publicPoint;

    public override void ReadPeerPublic(ref SshReader r)
    {
        var q = r.ReadBinary();
        _peerKey = ImportPeer(q);
        _peerPoint = q.ToArray();
    }

    public override void WritePeerPublic(SshWriter w) =>
        w.WriteBinary(_peerPoint ?? throw new InvalidOperationException("peer public key not read yet"));

    public override byte[] DeriveSharedSecret()
    {
        var x = Agree(_peerKey ?? throw new InvalidOperationException("peer public key not read yet"));
        try
        {
            // RFC 5656 §4: K is the x coordinate of the shared point, as an unsigned mpint.
            return EncodeUnsignedMpint(x);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(x);
        }
    }

    public byte[] AgreeRaw(ReadOnlySpan<byte> peerPublic)
    {
        using var peer = ImportPeer(peerPublic);
        return Agree(peer);
    }

    public override void Dispose()
    {
        _key.Dispose();
        _peerKey?.Dispose();
        base.Dispose();
    }

    private ECDiffieHellman ImportPeer(ReadOnlySpan<byte> q)
    {
        // Only the uncompressed form is accepted (RFC 5656 §3.1 requires implementations to
        // support it; OpenSSH sends nothing else), so a point is exactly 0x04 || X || Y.
        if (q.Length != 1 + 2 * _fieldBytes || q[0] != 0x04)
        {
            throw KexFailure.Failed($"ECDH public key is not an uncompressed point of {1 + 2 * _fieldBytes} bytes");
        }

        var parameters = new ECParameters
        {
            Curve = _curve,
            Q = new ECPoint
            {
                X = q.Slice(1, _fieldBytes).ToArray(),
                Y = q.Slice(1 + _fieldBytes, _fieldBytes).ToArray(),
            },
        };

        try
        {
            // The import checks that the point lies on the curve (and is not the point at
            // infinity); a test pins that behaviour down because invalid-curve attacks
            // depend on it.
            return ECDiffieHellman.Create(parameters);
        }
        catch (CryptographicException ex)
        {
            throw KexFailure.Failed("ECDH public key is not a valid point on the curve", ex);
        }
    }

    /// <summary>The x coordinate of the shared point, padded to the field size.</summary>
    private byte[] Agree(ECDiffieHellman peer)
    {
        try
        {
            using var peerPublic = peer.PublicKey;
            return _key.DeriveRawSecretAgreement(peerPublic);
        }
        catch (CryptographicException ex)
        {
            throw KexFailure.Failed("ECDH agreement failed", ex);
        }
    }

    private static void CopyRightAligned(byte[] source, Span<byte> destination)
    {
        // The BCL pads coordinates to the field size; this only guards against a shorter export.
        destination.Clear();
        source.CopyTo(destination[(destination.Length - source.Length)..]);
    }
}
