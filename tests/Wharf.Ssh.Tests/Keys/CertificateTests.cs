using System.Net;
using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Tests.Keys;

public sealed class CertificateTests : IDisposable
{
    private static readonly IPAddress Loopback = IPAddress.Loopback;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, int, string, int> Pairs => new()
    {
        // user key type, bits, CA key type, bits
        { "ed25519", 0, "ed25519", 0 },
        { "ecdsa", 256, "ed25519", 0 },
        { "ecdsa", 384, "rsa", 2048 },
        { "ecdsa", 521, "ecdsa", 384 },
        { "rsa", 2048, "ecdsa", 256 },
        { "rsa", 3072, "rsa", 2048 },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void SshKeygenCertificatesParseVerifyAndValidate(string userType, int userBits, string caType, int caBits)
    {
        string ca = SshKeygen.Generate(_dir.Path, "ca", caType, caBits);
        string user = SshKeygen.Generate(_dir.Path, "user", userType, userBits);
        var cert = Sign(ca, user, "-I", "alice-id", "-n", "alice,bob", "-V", "-5m:+1h", "-z", "42", "-O", "source-address=127.0.0.1/32,10.0.0.0/8");
        var caKey = SshPublicKey.Parse(ReadBlob(ca + ".pub"));
        using var userKey = SshPrivateKey.Load(user);

        Assert.Equal(userKey.PublicKey.KeyType + SshCertificate.CertSuffix, cert.KeyType);
        Assert.Equal(userKey.PublicKey, cert.Key);
        Assert.Equal(caKey, cert.SignatureKey);
        Assert.Equal(SshCertificateType.User, cert.CertificateType);
        Assert.Equal("alice-id", cert.KeyId);
        Assert.Equal(42ul, cert.Serial);
        Assert.Equal(["alice", "bob"], cert.ValidPrincipals);
        Assert.True(cert.Nonce.Length >= 16);
        Assert.Equal(["source-address"], cert.CriticalOptions.Keys);
        Assert.Contains("permit-pty", cert.Extensions.Keys);
        Assert.Equal(userKey.PublicKey.KeySizeBits, cert.KeySizeBits);
        Assert.True(cert.VerifyCaSignature());

        // ssh-keygen prints a certificate's fingerprint as that of the certified key.
        Assert.Equal(SshKeygen.Fingerprint(user + "-cert.pub"), cert.GetSha256Fingerprint());
        Assert.Equal(userKey.PublicKey.GetSha256Fingerprint(), cert.GetSha256Fingerprint());

        // Signatures are made by the certified key; the certificate verifies them under the
        // certificate algorithm names and the plain names alike.
        var data = "session id and request"u8.ToArray();
        foreach (var algorithm in cert.SignatureAlgorithms)
        {
            var sig = userKey.Sign(SshCertificate.GetSignatureFormat(algorithm), data);
            Assert.True(cert.Verify(algorithm, data, sig), algorithm);
            Assert.False(cert.Verify(algorithm, [.. data, 1], sig), algorithm);
        }

        var now = DateTimeOffset.UtcNow;
        Assert.Null(UserCertificateValidator.Validate(cert, "alice", [caKey], Loopback, now));
        Assert.Null(UserCertificateValidator.Validate(cert, "bob", [caKey], IPAddress.Parse("10.1.2.3"), now));
        Assert.Contains("principal", UserCertificateValidator.Validate(cert, "mallory", [caKey], Loopback, now));
        Assert.Contains("expired", UserCertificateValidator.Validate(cert, "alice", [caKey], Loopback, now.AddYears(30)));
        Assert.Contains("not yet valid", UserCertificateValidator.Validate(cert, "alice", [caKey], Loopback, now.AddHours(-1)));
        Assert.Contains("source address", UserCertificateValidator.Validate(cert, "alice", [caKey], IPAddress.Parse("192.168.1.1"), now));
        Assert.Contains("untrusted CA", UserCertificateValidator.Validate(cert, "alice", [cert.Key], Loopback, now));
        Assert.Contains("untrusted CA", UserCertificateValidator.Validate(cert, "alice", [], Loopback, now));
    }

    [Fact]
    public void RsaCertificateAlgorithmNames()
    {
        string ca = SshKeygen.Generate(_dir.Path, "ca", "ed25519");
        string user = SshKeygen.Generate(_dir.Path, "user", "rsa", 2048);
        var cert = Sign(ca, user, "-I", "id", "-n", "alice");
        Assert.Equal("ssh-rsa-cert-v01@openssh.com", cert.KeyType);
        Assert.Equal(
            ["rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
            cert.SignatureAlgorithms);
        Assert.Equal("rsa-sha2-512", SshCertificate.GetSignatureFormat("rsa-sha2-512-cert-v01@openssh.com"));
        Assert.Equal("ssh-ed25519", SshCertificate.GetSignatureFormat("ssh-ed25519"));

        using var key = SshPrivateKey.Load(user);
        var data = "x"u8.ToArray();
        var sha512 = key.Sign("rsa-sha2-512", data);
        Assert.True(cert.Verify("rsa-sha2-512-cert-v01@openssh.com", data, sha512));
        Assert.False(cert.Verify("rsa-sha2-256-cert-v01@openssh.com", data, sha512));
        Assert.False(cert.Verify("ssh-ed25519", data, sha512));
        Assert.Equal(SshCertificate.Forever, cert.ValidBefore);
    }

    [Fact]
    public void TamperedCertificateFailsTheCaSignature()
    {
        string ca = SshKeygen.Generate(_dir.Path, "ca", "ed25519");
        string user = SshKeygen.Generate(_dir.Path, "user", "ed25519");
        var cert = Sign(ca, user, "-I", "id", "-n", "alice");
        var caKey = SshPublicKey.Parse(ReadBlob(ca + ".pub"));
        Assert.Null(UserCertificateValidator.Validate(cert, "alice", [caKey], Loopback, DateTimeOffset.UtcNow));

        // Flip one byte inside the key id: the blob still parses, but the CA signature breaks.
        var blob = cert.Blob.ToArray();
        int at = IndexOf(blob, "id"u8);
        blob[at] ^= 0x20;
        var tampered = (SshCertificate)SshPublicKey.Parse(blob);
        Assert.Equal("Id", tampered.KeyId);
        Assert.False(tampered.VerifyCaSignature());
        Assert.Contains("signature", UserCertificateValidator.Validate(tampered, "alice", [caKey], Loopback, DateTimeOffset.UtcNow));

        // Flip a bit in the signature itself.
        blob = cert.Blob.ToArray();
        blob[^5] ^= 0x01;
        Assert.False(((SshCertificate)SshPublicKey.Parse(blob)).VerifyCaSignature());

        // Every truncation fails cleanly.
        var original = cert.Blob.ToArray();
        for (int n = 0; n < original.Length; n++)
        {
            Assert.False(SshPublicKey.TryParse(original.AsSpan(0, n), out _));
        }
    }

    [Fact]
    public void HostCertificatesAndUnsupportedOptionsAreRefused()
    {
        string ca = SshKeygen.Generate(_dir.Path, "ca", "ed25519");
        string user = SshKeygen.Generate(_dir.Path, "user", "ed25519");
        var caKey = SshPublicKey.Parse(ReadBlob(ca + ".pub"));
        var now = DateTimeOffset.UtcNow;

        var host = Sign(ca, user, "-h", "-I", "host", "-n", "alice");
        Assert.Equal(SshCertificateType.Host, host.CertificateType);
        Assert.Contains("not a user certificate", UserCertificateValidator.Validate(host, "alice", [caKey], Loopback, now));

        var noPrincipals = Sign(ca, user, "-I", "any");
        Assert.Empty(noPrincipals.ValidPrincipals);
        Assert.Contains("no principals", UserCertificateValidator.Validate(noPrincipals, "alice", [caKey], Loopback, now));

        var forced = Sign(ca, user, "-I", "f", "-n", "alice", "-O", "force-command=/usr/bin/true");
        Assert.Contains("force-command", UserCertificateValidator.Validate(forced, "alice", [caKey], Loopback, now));
        Assert.Null(UserCertificateValidator.Validate(forced, "alice", [caKey], Loopback, now, out var command));
        Assert.Equal("/usr/bin/true", command);

        var verify = Sign(ca, user, "-I", "v", "-n", "alice", "-O", "verify-required");
        Assert.Contains("verify-required", UserCertificateValidator.Validate(verify, "alice", [caKey], Loopback, now));

        var unknown = Sign(ca, user, "-I", "u", "-n", "alice", "-O", "critical:custom@example.com=x");
        Assert.Contains("unknown critical option", UserCertificateValidator.Validate(unknown, "alice", [caKey], Loopback, now));

        var v6 = Sign(ca, user, "-I", "six", "-n", "alice", "-O", "source-address=2001:db8::/32,127.0.0.1");
        Assert.Null(UserCertificateValidator.Validate(v6, "alice", [caKey], IPAddress.Parse("2001:db8:1::5"), now));
        Assert.Null(UserCertificateValidator.Validate(v6, "alice", [caKey], IPAddress.Parse("::ffff:127.0.0.1"), now));
        Assert.NotNull(UserCertificateValidator.Validate(v6, "alice", [caKey], IPAddress.Parse("2001:db9::1"), now));
        Assert.NotNull(UserCertificateValidator.Validate(v6, "alice", [caKey], IPAddress.Parse("127.0.0.2"), now));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.0.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("0.0.0.0/0", "8.8.8.8", true)]
    [InlineData("192.168.1.7", "192.168.1.7", true)]
    [InlineData("192.168.1.0/25", "192.168.1.128", false)]
    [InlineData("::/0", "127.0.0.1", false)]
    [InlineData("fe80::/10", "fe80::1", true)]
    public void CidrMatching(string list, string address, bool expected) =>
        Assert.Equal(expected, UserCertificateValidator.MatchCidrList(list, IPAddress.Parse(address)));

    [Theory]
    [InlineData("10.0.0.1/8")]      // host bits set
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/")]
    [InlineData("banana")]
    [InlineData("10.0.0.0/8,")]
    [InlineData("")]
    public void MalformedCidrListsNeverMatch(string list) =>
        Assert.Null(UserCertificateValidator.MatchCidrList(list, IPAddress.Parse("10.0.0.1")));

    [Fact]
    public void ChainedCertificatesAreRejected()
    {
        string ca = SshKeygen.Generate(_dir.Path, "ca", "ed25519");
        string user = SshKeygen.Generate(_dir.Path, "user", "ed25519");
        var cert = Sign(ca, user, "-I", "id", "-n", "alice");

        // Rebuild the certificate with itself as the "CA key": parsing must refuse it.
        var blob = cert.Blob.ToArray();
        var r = new Wharf.Ssh.IO.SshReader(blob);
        r.ReadBinary(); r.ReadBinary(); r.ReadBinary(); r.ReadUInt64(); r.ReadUInt32(); r.ReadBinary(); r.ReadBinary();
        r.ReadUInt64(); r.ReadUInt64(); r.ReadBinary(); r.ReadBinary(); r.ReadBinary();
        int caStart = r.Position;
        using var w = new Wharf.Ssh.IO.SshWriter();
        w.WriteRaw(blob.AsSpan(0, caStart));
        w.WriteBinary(blob);
        w.WriteBinary([0, 0, 0, 0]);
        var ex = Assert.Throws<SshConnectionException>(() => SshPublicKey.Parse(w.WrittenSpan));
        Assert.Contains("unsupported", ex.Message);
    }

    private SshCertificate Sign(string ca, string user, params string[] options)
    {
        File.Delete(user + "-cert.pub");
        SshKeygen.Run(["-q", "-s", ca, .. options, user + ".pub"]);
        var parsed = SshPublicKey.Parse(ReadBlob(user + "-cert.pub"));
        return Assert.IsType<SshCertificate>(parsed);
    }

    private static byte[] ReadBlob(string pubPath) => Convert.FromBase64String(File.ReadAllText(pubPath).Split(' ')[1]);

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        // The key id "id" is preceded by its length 00 00 00 02.
        for (int i = 4; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack[i - 1] == 2 && haystack[i - 2] == 0 && haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        throw new InvalidOperationException("not found");
    }
}
