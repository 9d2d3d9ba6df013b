using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Tests.Keys;

public class AuthorizedKeyEntryTests
{
    private static readonly string Ed = BcryptPbkdfTests.PinnedPublicKey;

    [Fact]
    public void ParsesAPlainPubLine()
    {
        var entry = AuthorizedKeyEntry.Parse(Ed + " test@wharf  ");
        Assert.Equal("ssh-ed25519", entry.Key.KeyType);
        Assert.Equal("test@wharf", entry.Comment);
        Assert.Empty(entry.Options);
        Assert.False(entry.IsCertificateAuthority);
        Assert.Equal("SHA256:YrQRhCET9gnTgFFYieYT/0jTRTqlGbGsAEOow1U2njc", entry.Key.GetSha256Fingerprint());

        Assert.Null(AuthorizedKeyEntry.Parse(Ed).Comment);
        Assert.Equal("a comment with spaces", AuthorizedKeyEntry.Parse(Ed + " a comment with spaces").Comment);
    }

    [Fact]
    public void ParsesOptions()
    {
        var entry = AuthorizedKeyEntry.Parse(
            "from=\"1.2.3.4,10.0.0.0/8\",no-pty,command=\"echo \\\"hi there\\\"\",environment=\"A=b c\" " + Ed + " me");
        Assert.Equal(
            [
                new("from", "1.2.3.4,10.0.0.0/8"),
                new("no-pty", null),
                new("command", "echo \"hi there\""),
                new("environment", "A=b c"),
            ],
            entry.Options);
        Assert.Equal("me", entry.Comment);
        Assert.True(entry.HasOption("NO-PTY"));
        Assert.Equal("echo \"hi there\"", entry.GetOption("command"));
        Assert.Null(entry.GetOption("no-pty"));
        Assert.Null(entry.GetOption("absent"));
    }

    [Fact]
    public void CertAuthorityFlagsACaLine()
    {
        var entry = AuthorizedKeyEntry.Parse("cert-authority,principals=\"alice\" " + Ed);
        Assert.True(entry.IsCertificateAuthority);
        Assert.Equal("alice", entry.GetOption("principals"));
    }

    [Fact]
    public void ParseFileSkipsBlankAndCommentLines()
    {
        using var rsa = SshPrivateKey.Generate("ssh-rsa", 2048);
        using var ec = SshPrivateKey.Generate("ecdsa-sha2-nistp256");
        string text = "# keys\n\n" + Ed + " one\r\n   \n  # indented comment\nno-pty " + rsa.PublicKey.ToOpenSshString("two") + "\n" + ec.PublicKey.ToOpenSshString() + "\n";
        var entries = AuthorizedKeyEntry.ParseFile(text);
        Assert.Equal(3, entries.Count);
        Assert.Equal("one", entries[0].Comment);
        Assert.Equal(rsa.PublicKey, entries[1].Key);
        Assert.Equal("two", entries[1].Comment);
        Assert.True(entries[1].HasOption("no-pty"));
        Assert.Equal(ec.PublicKey, entries[2].Key);
    }

    [Fact]
    public void ParseFileReportsOrSkipsBadLines()
    {
        string text = Ed + "\nssh-ed25519 not-base64!\n" + Ed + " last\n";
        var ex = Assert.Throws<FormatException>(() => AuthorizedKeyEntry.ParseFile(text));
        Assert.StartsWith("line 2:", ex.Message);

        var errors = new List<int>();
        var entries = AuthorizedKeyEntry.ParseFile(text, (line, _) => errors.Add(line));
        Assert.Equal([2], errors);
        Assert.Equal(2, entries.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# comment")]
    [InlineData("ssh-ed25519")]
    [InlineData("ssh-ed25519 AAAA")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6bW3p2Pa2UBr5mJL0LrajcmTktf9g")] // type mismatch
    [InlineData("command=\"unterminated ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6bW3p2Pa2UBr5mJL0LrajcmTktf9g")]
    [InlineData("command=unquoted ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6bW3p2Pa2UBr5mJL0LrajcmTktf9g")]
    [InlineData("no-pty,,x ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6bW3p2Pa2UBr5mJL0LrajcmTktf9g")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3M=")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJKgl2KOpCdXLA6bW3p2Pa2UBr5mJL0LrajcmTktf9gAA==")] // trailing bytes
    public void MalformedLinesThrowFormatException(string line) =>
        Assert.Throws<FormatException>(() => AuthorizedKeyEntry.Parse(line));

    [Fact]
    public void ParsesCertificatePubFiles()
    {
        using var dir = new TempDir();
        string ca = SshKeygen.Generate(dir.Path, "ca", "ed25519");
        string user = SshKeygen.Generate(dir.Path, "user", "ecdsa", 256);
        SshKeygen.Run("-q", "-s", ca, "-I", "id", "-n", "alice", user + ".pub");
        var entry = AuthorizedKeyEntry.Parse(File.ReadAllText(user + "-cert.pub"));
        var cert = Assert.IsType<SshCertificate>(entry.Key);
        Assert.Equal("ecdsa-sha2-nistp256-cert-v01@openssh.com", cert.KeyType);
        Assert.Equal(AuthorizedKeyEntry.Parse(File.ReadAllText(ca + ".pub")).Key, cert.SignatureKey);
    }
}
