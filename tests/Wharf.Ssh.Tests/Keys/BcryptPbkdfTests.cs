using System.Text;
using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Tests.Keys;

public class BcryptPbkdfTests
{
    // Made once by OpenSSH 9.2: ssh-keygen -t ed25519 -N secret -a 16 -C test@wharf.
    // A fixed known answer for bcrypt_pbkdf (16 rounds, 48 bytes of aes256-ctr key + IV).
    internal const string PinnedEncryptedKey = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABA6EtiVdt
        TIUUrn4WxQN9lyAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6
        bW3p2Pa2UBr5mJL0LrajcmTktf9gAAAAkEBxBvbNGoxollsFwGguZZRIJs7aEbdnwnx6LG
        rGRN378vwLYIf6lLlfpto3Yjw53uYVZHx0e7RhGNVbEYKYEHJ3RlgBmIoI3BxOx3jWDIoB
        PTmqJ3ejow1u2TUJSZtCThmri1sMvPpAnCtYfOAJyn1+VpFfFc9dURhMa9U42FbGdoQGis
        qTxsq1fLt6laQ9ig==
        -----END OPENSSH PRIVATE KEY-----
        """;

    internal const string PinnedPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6bW3p2Pa2UBr5mJL0LrajcmTktf9g";

    [Fact]
    public void DecryptsAPinnedOpenSshKey()
    {
        using var key = SshPrivateKey.Parse(PinnedEncryptedKey, "secret");
        Assert.Equal(PinnedPublicKey, key.PublicKey.ToOpenSshString());
        Assert.Equal("SHA256:YrQRhCET9gnTgFFYieYT/0jTRTqlGbGsAEOow1U2njc", key.PublicKey.GetSha256Fingerprint());
    }

    [Fact]
    public void DerivedKeyDecryptsTheCheckIntegers()
    {
        // Pulls salt and rounds out of the pinned file and decrypts its first block by hand, so
        // the KDF is checked apart from the rest of the file reader.
        var body = PinnedEncryptedKey.Split('\n').Where(l => !l.Contains("-----")).Select(l => l.Trim());
        var data = Convert.FromBase64String(string.Concat(body));
        var r = new Wharf.Ssh.IO.SshReader(data.AsSpan("openssh-key-v1\0"u8.Length));
        Assert.Equal("aes256-ctr", r.ReadString());
        Assert.Equal("bcrypt", r.ReadString());
        var kdf = new Wharf.Ssh.IO.SshReader(r.ReadBinary());
        var salt = kdf.ReadBinary().ToArray();
        Assert.Equal(16u, kdf.ReadUInt32());
        r.ReadUInt32();
        r.ReadBinary();
        var encrypted = r.ReadBinary().ToArray();

        var keyIv = new byte[48];
        BcryptPbkdf.Derive(Encoding.UTF8.GetBytes("secret"), salt, 16, keyIv);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = keyIv[..32];
        var keystream = aes.EncryptEcb(keyIv[32..48], System.Security.Cryptography.PaddingMode.None);
        var first = new byte[8];
        for (int i = 0; i < 8; i++)
        {
            first[i] = (byte)(encrypted[i] ^ keystream[i]);
        }

        Assert.Equal(first[..4], first[4..]);

        var wrong = new byte[48];
        BcryptPbkdf.Derive(Encoding.UTF8.GetBytes("secreT"), salt, 16, wrong);
        Assert.NotEqual(keyIv, wrong);
    }

    [Fact]
    public void OutputBytesAreInterleavedAcrossBlocks()
    {
        // With 48 output bytes the stride is 2: a prefix request must not simply be a prefix of
        // the longer output, which catches a KDF that forgot the interleaving.
        var salt = "saltsalt"u8.ToArray();
        var longer = new byte[48];
        var shorter = new byte[32];
        BcryptPbkdf.Derive("pw"u8, salt, 2, longer);
        BcryptPbkdf.Derive("pw"u8, salt, 2, shorter);
        Assert.NotEqual(longer[..32], shorter);
        Assert.Equal(longer[0], shorter[0]);
    }

    [Fact]
    public void RejectsBadParameters()
    {
        var output = new byte[32];
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.Derive("pw"u8, "salt"u8, 0, output));
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.Derive("pw"u8, ReadOnlySpan<byte>.Empty, 1, output));
        Assert.Throws<ArgumentException>(() => BcryptPbkdf.Derive("pw"u8, "salt"u8, 1, new byte[1025]));
    }
}
