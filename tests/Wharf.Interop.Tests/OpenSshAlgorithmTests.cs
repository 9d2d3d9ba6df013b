namespace Wharf.Interop.Tests;

/// <summary>OpenSSH's ssh runs a command through Wharf with each algorithm forced in turn.</summary>
public sealed class OpenSshAlgorithmTests(FullHostFixture fixture) : IClassFixture<FullHostFixture>
{
    private TestHost Host => fixture.Host;

    public static TheoryData<string> Ciphers => [.. TestHost.AllCiphers];

    public static TheoryData<string> Macs => [.. TestHost.AllMacs];

    /// <summary>Every method OpenSSH 9.2 knows: of the post-quantum ones, only sntrup761 under its @openssh.com name.</summary>
    public static TheoryData<string> Kex => [.. TestHost.AllKex.Where(k => k is not ("mlkem768x25519-sha256" or "sntrup761x25519-sha512" or "mlkem768nistp256-sha256"))];

    public static TheoryData<string> AllKex => [.. TestHost.AllKex];

    public static TheoryData<string> HostKeys => [.. TestHost.AllHostKeyAlgorithms];

    public static TheoryData<string> UserKeys => [.. TestKeys.UserKeyTypes];

    [Theory]
    [MemberData(nameof(Ciphers))]
    public async Task EveryCipher(string cipher)
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo hi", [$"Ciphers={cipher}"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("hi\n", r.StdOut);
        var s = await Host.WaitForSessionEndAsync();
        Assert.Equal(cipher, s.Algorithms!.CipherClientToServer);
        Assert.Equal(cipher, s.Algorithms.CipherServerToClient);
    }

    [Theory]
    [MemberData(nameof(Macs))]
    public async Task EveryMacWithCtr(string mac)
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo hi", ["Ciphers=aes128-ctr", $"MACs={mac}"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("hi\n", r.StdOut);
        var s = await Host.WaitForSessionEndAsync();
        Assert.Equal(mac, s.Algorithms!.MacClientToServer);
        Assert.Equal(mac, s.Algorithms.MacServerToClient);
    }

    [Theory]
    [MemberData(nameof(Kex))]
    public async Task EveryKeyExchange(string kex)
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo hi", [$"KexAlgorithms={kex}"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("hi\n", r.StdOut);
        Assert.Equal(kex, (await Host.WaitForSessionEndAsync()).Algorithms!.KeyExchange);
    }

    [Theory]
    [MemberData(nameof(AllKex))]
    public async Task EveryKeyExchangeWithOpenSsh10(string kex)
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo hi", [$"KexAlgorithms={kex}"], openSshDir: OpenSsh10.Dir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("hi\n", r.StdOut);
        Assert.Equal(kex, (await Host.WaitForSessionEndAsync()).Algorithms!.KeyExchange);
    }

    [Theory]
    [MemberData(nameof(HostKeys))]
    public async Task EveryHostKeyAlgorithm(string algorithm)
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo hi", [$"HostKeyAlgorithms={algorithm}"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("hi\n", r.StdOut);
        Assert.Equal(algorithm, (await Host.WaitForSessionEndAsync()).Algorithms!.HostKey);
    }

    [Theory]
    [MemberData(nameof(UserKeys))]
    public async Task EveryUserKeyType(string type)
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo key", identity: TestKeys.Instance.UserKeyPath(type));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("key\n", r.StdOut);
    }

    [Theory]
    [InlineData("rsa-sha2-256")]
    [InlineData("rsa-sha2-512")]
    public async Task RsaUserKeyWithEachSha2Signature(string algorithm)
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo rsa", [$"PubkeyAcceptedAlgorithms={algorithm}"],
            identity: TestKeys.Instance.UserKeyPath("rsa-3072"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("rsa\n", r.StdOut);
    }

    [Fact]
    public async Task RsaSha1UserSignatureIsRefusedByDefault()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo rsa", ["PubkeyAcceptedAlgorithms=ssh-rsa"],
            identity: TestKeys.Instance.UserKeyPath("rsa-3072"));
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.StdErr);
    }
}
