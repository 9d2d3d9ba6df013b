using System.Security.Cryptography;
using Wharf.Ssh.Algorithms.KeyExchange;

namespace Wharf.Ssh.Tests.KeyExchange;

public class KeyExchangeCatalogTests
{
    [Fact]
    public void ListsTheMethodsInPreferenceOrder()
    {
        Assert.Equal(
            [
                "mlkem768x25519-sha256",
                "sntrup761x25519-sha512",
                "sntrup761x25519-sha512@openssh.com",
                "curve25519-sha256",
                "curve25519-sha256@libssh.org",
                "ecdh-sha2-nistp256",
                "ecdh-sha2-nistp384",
                "ecdh-sha2-nistp521",
                "diffie-hellman-group-exchange-sha256",
                "diffie-hellman-group16-sha512",
                "diffie-hellman-group18-sha512",
                "diffie-hellman-group14-sha256",
                "mlkem768nistp256-sha256",
                "diffie-hellman-group14-sha1",
            ],
            KeyExchangeCatalog.All.Select(a => a.Name));
    }

    [Theory]
    // Hashes from draft-ietf-sshm-mlkem-hybrid-kex, draft-ietf-sshm-ntruprime-ssh, RFC 8731 §3,
    // RFC 5656 §6.2.1, RFC 8268 §3, RFC 4419 §4.2, RFC 4253 §8.2.
    [InlineData("mlkem768x25519-sha256", "SHA256")]
    [InlineData("sntrup761x25519-sha512", "SHA512")]
    [InlineData("sntrup761x25519-sha512@openssh.com", "SHA512")]
    [InlineData("mlkem768nistp256-sha256", "SHA256")]
    [InlineData("curve25519-sha256", "SHA256")]
    [InlineData("curve25519-sha256@libssh.org", "SHA256")]
    [InlineData("ecdh-sha2-nistp256", "SHA256")]
    [InlineData("ecdh-sha2-nistp384", "SHA384")]
    [InlineData("ecdh-sha2-nistp521", "SHA512")]
    [InlineData("diffie-hellman-group-exchange-sha256", "SHA256")]
    [InlineData("diffie-hellman-group16-sha512", "SHA512")]
    [InlineData("diffie-hellman-group18-sha512", "SHA512")]
    [InlineData("diffie-hellman-group14-sha256", "SHA256")]
    [InlineData("diffie-hellman-group14-sha1", "SHA1")]
    public void LooksUpByNameWithTheRightHash(string name, string hash)
    {
        Assert.True(KeyExchangeCatalog.TryGet(name, out var algorithm));
        Assert.Equal(name, algorithm.Name);
        Assert.Equal(new HashAlgorithmName(hash), algorithm.HashAlgorithm);
    }

    [Theory]
    [InlineData("CURVE25519-SHA256")]
    [InlineData("diffie-hellman-group1-sha1")]
    [InlineData("sntrup4591761x25519-sha512@tinyssh.org")]
    [InlineData("diffie-hellman-group-exchange-sha1")]
    [InlineData("")]
    public void UnknownNamesAreNotFound(string name)
    {
        Assert.False(KeyExchangeCatalog.TryGet(name, out var algorithm));
        Assert.Null(algorithm);
    }
}
