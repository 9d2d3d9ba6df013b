using System.Security.Cryptography;
using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>Test-only ecdsa-sha2-nistp256 public key (RFC 5656 §3.1), so key exchange tests do not depend on the Keys work.</summary>
internal sealed class TestEcdsaPublicKey : SshPublicKey
{
    public const string Algorithm = "ecdsa-sha2-nistp256";

    private readonly ECDsa _ecdsa;
    private readonly byte[] _blob;

    public TestEcdsaPublicKey(ECParameters publicParameters)
    {
        _ecdsa = ECDsa.Create(publicParameters);
        using var w = new SshWriter();
        w.WriteString(Algorithm);
        w.WriteString("nistp256");
        w.WriteBinary([0x04, .. publicParameters.Q.X!, .. publicParameters.Q.Y!]);
        _blob = w.ToArray();
    }

    public override string KeyType => Algorithm;

    public override ReadOnlyMemory<byte> Blob => _blob;

    public override int KeySizeBits => 256;

    public override IReadOnlyList<string> SignatureAlgorithms { get; } = [Algorithm];

    public override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signatureAlgorithm != Algorithm)
        {
            return false;
        }

        try
        {
            var r = new SshReader(signature);
            var rs = new byte[64];
            if (!Fixed32(r.ReadMpintBytes(), rs.AsSpan(0, 32)) || !Fixed32(r.ReadMpintBytes(), rs.AsSpan(32, 32)) || r.Remaining != 0)
            {
                return false;
            }

            return _ecdsa.VerifyData(data, rs, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (SshConnectionException)
        {
            return false;
        }
    }

    private static bool Fixed32(ReadOnlySpan<byte> mpint, Span<byte> destination)
    {
        while (mpint.Length > 0 && mpint[0] == 0)
        {
            mpint = mpint[1..];
        }

        if (mpint.Length > 32)
        {
            return false;
        }

        destination.Clear();
        mpint.CopyTo(destination[(32 - mpint.Length)..]);
        return true;
    }
}
