using System.Security.Cryptography;
using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>Test-only nistp256 host key: signature = mpint r || mpint s (RFC 5656 §3.1.2).</summary>
internal sealed class TestEcdsaHostKey : SshPrivateKey
{
    private readonly ECDsa _ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestEcdsaHostKey() => PublicKey = new TestEcdsaPublicKey(_ecdsa.ExportParameters(false));

    public override SshPublicKey PublicKey { get; }

    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        Assert.Equal(TestEcdsaPublicKey.Algorithm, signatureAlgorithm);
        var rs = _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        using var w = new SshWriter();
        w.WriteMpintFromUnsigned(rs.AsSpan(0, 32));
        w.WriteMpintFromUnsigned(rs.AsSpan(32, 32));
        return w.ToArray();
    }

    private protected override void WritePrivateFields(SshWriter w) => throw new NotSupportedException("test key is never saved");

    public override void Dispose()
    {
        _ecdsa.Dispose();
        base.Dispose();
    }
}
