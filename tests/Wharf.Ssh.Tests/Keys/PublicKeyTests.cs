using System.Numerics;
using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032;

namespace Wharf.Ssh.Tests.Keys;

public class PublicKeyTests
{
    public static TheoryData<string> KeyTypes => new()
    {
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void ParseRoundTripsTheBlob(string keyType)
    {
        using var key = SshPrivateKey.Generate(keyType, keyType == "ssh-rsa" ? 2048 : 0);
        var parsed = SshPublicKey.Parse(key.PublicKey.Blob.Span);
        Assert.Equal(key.PublicKey.GetType(), parsed.GetType());
        Assert.Equal(key.PublicKey.Blob.ToArray(), parsed.Blob.ToArray());
        Assert.Equal(keyType, parsed.KeyType);
        Assert.True(SshPublicKey.TryParse(parsed.Blob.Span, out var again));
        Assert.Equal(parsed, again);
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void TruncatedOrExtendedBlobsThrowCleanly(string keyType)
    {
        using var key = SshPrivateKey.Generate(keyType, keyType == "ssh-rsa" ? 2048 : 0);
        var blob = key.PublicKey.Blob.ToArray();
        for (int n = 0; n < blob.Length; n++)
        {
            Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(blob.AsSpan(0, n)));
            Assert.False(SshPublicKey.TryParse(blob.AsSpan(0, n), out var none));
            Assert.Null(none);
        }

        Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse([.. blob, 0]));
    }

    [Fact]
    public void GarbageAndUnknownTypesThrow()
    {
        Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
        using var w = new SshWriter();
        w.WriteString("ssh-dss");
        w.WriteMpint(5);
        Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(w.WrittenSpan));

        w.Reset();
        w.WriteString("ssh-ed25519");
        w.WriteBinary(new byte[31]);
        Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(w.WrittenSpan));

        // The curve name inside must agree with the key type.
        using var p384 = (EcdsaPrivateKey)SshPrivateKey.Generate("ecdsa-sha2-nistp384");
        w.Reset();
        w.WriteString("ecdsa-sha2-nistp384");
        w.WriteString("nistp256");
        w.WriteBinary(((EcdsaPublicKey)p384.PublicKey).Q.Span);
        Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(w.WrittenSpan));

        // RSA: a negative modulus and a tiny one.
        w.Reset();
        w.WriteString("ssh-rsa");
        w.WriteMpint(65537);
        w.WriteMpint(-BigInteger.Pow(2, 2047) - 1);
        Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(w.WrittenSpan));
        w.Reset();
        w.WriteString("ssh-rsa");
        w.WriteMpint(65537);
        w.WriteMpint(BigInteger.Pow(2, 511) + 1);
        Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(w.WrittenSpan));
    }

    [Theory]
    [InlineData("ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384")]
    [InlineData("ecdsa-sha2-nistp521")]
    public void EcdsaPointsOffTheCurveAreRejected(string keyType)
    {
        using var key = SshPrivateKey.Generate(keyType);
        var blob = key.PublicKey.Blob.ToArray();
        blob[^1] ^= 0x01; // last byte of Y
        var ex = Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(blob));
        Assert.Contains("curve", ex.Message);

        // A compressed point is refused too (OpenSSH only uses uncompressed points).
        var q = ((EcdsaPublicKey)key.PublicKey).Q.ToArray();
        int field = (q.Length - 1) / 2;
        var compressed = new byte[1 + field];
        compressed[0] = (byte)(2 + (q[^1] & 1));
        q.AsSpan(1, field).CopyTo(compressed.AsSpan(1));
        Assert.Throws<ArgumentException>(() => new EcdsaPublicKey(keyType, compressed));
    }

    [Fact]
    public void RsaSignatureAlgorithmMustMatchTheHash()
    {
        using var key = SshPrivateKey.Generate("ssh-rsa", 2048);
        var data = "exchange hash"u8.ToArray();
        var sha512 = key.Sign("rsa-sha2-512", data);
        Assert.True(key.PublicKey.Verify("rsa-sha2-512", data, sha512));
        Assert.False(key.PublicKey.Verify("rsa-sha2-256", data, sha512));
        Assert.False(key.PublicKey.Verify("ssh-rsa", data, sha512));
        Assert.False(key.PublicKey.Verify("ssh-ed25519", data, sha512));

        var sha256 = key.Sign("rsa-sha2-256", data);
        Assert.False(key.PublicKey.Verify("rsa-sha2-512", data, sha256));
        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"], key.PublicKey.SignatureAlgorithms);

        // Longer than the modulus, or empty: false, not an exception.
        Assert.False(key.PublicKey.Verify("rsa-sha2-512", data, [0, .. sha512]));
        Assert.False(key.PublicKey.Verify("rsa-sha2-512", data, []));
    }

    [Fact]
    public void VerifySignatureBlobChecksTheAlgorithmAndShape()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        var data = "data"u8.ToArray();
        var sig = key.Sign("ssh-ed25519", data);

        using var w = new SshWriter();
        w.WriteString("ecdsa-sha2-nistp256");
        w.WriteBinary(sig);
        Assert.False(key.PublicKey.VerifySignatureBlob(data, w.WrittenSpan, out var alg));
        Assert.Equal("ecdsa-sha2-nistp256", alg);

        w.Reset();
        w.WriteString("ssh-ed25519");
        w.WriteBinary(sig);
        w.WriteByte(0); // trailing garbage
        Assert.False(key.PublicKey.VerifySignatureBlob(data, w.WrittenSpan, out _));
        Assert.False(key.PublicKey.VerifySignatureBlob(data, [0, 0, 0, 9], out alg));
        Assert.Equal("", alg);
    }

    [Fact]
    public void EcdsaSignatureEncodingIsTwoMpintsAndMalformedOnesFail()
    {
        using var key = SshPrivateKey.Generate("ecdsa-sha2-nistp521");
        var data = "data"u8.ToArray();
        var sig = key.Sign("ecdsa-sha2-nistp521", data);
        var r = new SshReader(sig);
        var rValue = r.ReadMpint();
        var sValue = r.ReadMpint();
        r.EnsureEnd();
        Assert.True(rValue.Sign > 0 && sValue.Sign > 0);

        Assert.False(key.PublicKey.Verify("ecdsa-sha2-nistp521", data, sig[..^1]));
        Assert.False(key.PublicKey.Verify("ecdsa-sha2-nistp521", data, [.. sig, 0]));

        using var w = new SshWriter();
        w.WriteMpint(-rValue);
        w.WriteMpint(sValue);
        Assert.False(key.PublicKey.Verify("ecdsa-sha2-nistp521", data, w.WrittenSpan));
        Assert.False(key.PublicKey.Verify("ecdsa-sha2-nistp384", data, sig));
    }

    [Fact]
    public void Ed25519RejectsNonCanonicalS()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        var pk = ((Ed25519PublicKey)key.PublicKey).PublicKeyBytes.ToArray();
        var data = "message"u8.ToArray();
        var sig = key.Sign("ssh-ed25519", data);
        Assert.True(key.PublicKey.Verify("ssh-ed25519", data, sig));

        // S + L is the same scalar mod L, so a verifier that does not insist on S < L accepts it.
        var l = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
        var s = new BigInteger(sig.AsSpan(32), isUnsigned: true, isBigEndian: false);
        var malleated = (byte[])sig.Clone();
        var sPlusL = (s + l).ToByteArray(isUnsigned: true, isBigEndian: false);
        Assert.True(sPlusL.Length <= 32);
        Array.Clear(malleated, 32, 32);
        sPlusL.CopyTo(malleated, 32);

        Assert.False(key.PublicKey.Verify("ssh-ed25519", data, malleated));

        // BouncyCastle itself also rejects it; our explicit check is belt and braces.
        Assert.False(Rfc8032.Ed25519.Verify(malleated, 0, pk, 0, data, 0, data.Length));
        Assert.False(Ed25519PublicKey.IsCanonicalScalar(malleated.AsSpan(32)));
        Assert.True(Ed25519PublicKey.IsCanonicalScalar(sig.AsSpan(32)));
        Assert.False(Ed25519PublicKey.IsCanonicalScalar(l.ToByteArray(isUnsigned: true, isBigEndian: false)));
    }

    [Fact]
    public void OpenSshStringAndFingerprintFormat()
    {
        using var key = SshPrivateKey.Generate("ssh-ed25519");
        string line = key.PublicKey.ToOpenSshString("me@host");
        Assert.StartsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", line);
        Assert.EndsWith(" me@host", line);
        Assert.Equal(line[..line.LastIndexOf(' ')], key.PublicKey.ToOpenSshString());
        var fp = key.PublicKey.GetSha256Fingerprint();
        Assert.StartsWith("SHA256:", fp);
        Assert.Equal(7 + 43, fp.Length);
        Assert.DoesNotContain("=", fp);
    }
}
