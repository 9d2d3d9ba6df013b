using System.Security.Cryptography;
using System.Text;

namespace Wharf.Interop.Tests;

/// <summary>Authentication, data transfer, rekeying and compression with OpenSSH's ssh.</summary>
public sealed class OpenSshSessionTests(FullHostFixture fixture) : IClassFixture<FullHostFixture>
{
    private TestHost Host => fixture.Host;

    [Fact]
    public async Task PasswordLogin()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo pw", ["PreferredAuthentications=password"], password: TestHost.AlicePassword);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("pw\n", r.StdOut);
    }

    [Fact]
    public async Task KeyboardInteractiveLoginWithTwoRounds()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo ki", ["PreferredAuthentications=keyboard-interactive"], password: TestHost.AlicePassword);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("ki\n", r.StdOut);
    }

    [Fact]
    public async Task CertificateLogin()
    {
        // The certified key itself is not authorized: only the CA signature lets it in.
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo cert", identity: TestKeys.Instance.CertKeyPath);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("cert\n", r.StdOut);
    }

    [Fact]
    public async Task CertificateForAnotherPrincipalIsRefused()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "bob", "echo cert", identity: TestKeys.Instance.CertKeyPath);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.StdErr);
    }

    [Fact]
    public async Task MultiStepPublicKeyThenPassword()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "bob", "echo both", ["PreferredAuthentications=publickey,password"],
            identity: TestKeys.Instance.UserKeyPath("ed25519"), password: TestHost.BobPassword);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("both\n", r.StdOut);
        var s = await Host.WaitForSessionEndAsync();
        Assert.Equal("bob", s.UserName);
    }

    [Fact]
    public async Task MultiStepWithKeyOnlyIsNotEnough()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "bob", "echo both", identity: TestKeys.Instance.UserKeyPath("ed25519"));
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.StdErr);
    }

    [Fact]
    public async Task WrongPasswordIsRefused()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo no", ["PreferredAuthentications=password", "NumberOfPasswordPrompts=1"], password: "wrong");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.StdErr);
        Assert.Empty(r.StdOut);
    }

    [Fact]
    public async Task UnknownKeyIsRefused()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo no", identity: TestKeys.Instance.StrangerKeyPath);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.StdErr);
    }

    [Fact]
    public async Task TooManyAttemptsDisconnects()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "echo no", ["PreferredAuthentications=password", "NumberOfPasswordPrompts=20"], password: "wrong");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Too many authentication failures", r.StdErr);
        var s = await Host.WaitForSessionEndAsync();
        Assert.Equal(6, s.AuthenticationFailures);
    }

    [Fact]
    public async Task ExitStatusAndStderrReachTheClient()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "exit 7");
        Assert.Equal(7, r.ExitCode);
        r = await OpenSsh.RunAsync(Host.Port, "alice", "stderr oops");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("oops", r.StdErr);
    }

    [Fact]
    public async Task UnknownCommandIsRefused()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "rm -rf /");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Empty(r.StdOut);
    }

    [Fact]
    public async Task EnvironmentIsFilteredByTheHost()
    {
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "env", ["SetEnv=LC_WHARF=yes NOT_ALLOWED=no"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("LC_WHARF=yes\n", r.StdOut);
    }

    [Fact]
    public async Task UploadAndDownloadSixteenMiBWithRekeyEveryMegabyte()
    {
        var data = RandomNumberGenerator.GetBytes(16 << 20);
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "sha256", ["RekeyLimit=1M"], stdin: data);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(data))} {data.Length}\n", r.StdOut);
        var up = await Host.WaitForSessionEndAsync();
        Assert.True(up.KeyExchangeCount > 8, $"only {up.KeyExchangeCount} key exchanges");

        r = await OpenSsh.RunAsync(Host.Port, "alice", $"generate {16 << 20}", ["RekeyLimit=1M"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(SHA256.HashData(TestHost.Generated(16 << 20)), SHA256.HashData(r.StdOutBytes));
        Assert.True((await Host.WaitForSessionEndAsync()).KeyExchangeCount > 8);
    }

    [Fact]
    public async Task ServerInitiatedRekeyDuringTransfer()
    {
        // A second host whose own rekey limit is tiny, so the server starts every exchange.
        await using var host = TestHost.CreateFull(TestKeys.Instance, o => o.RekeyBytes = 512 * 1024);
        var data = RandomNumberGenerator.GetBytes(8 << 20);
        var r = await OpenSsh.RunAsync(host.Port, "alice", "cat", stdin: data);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(data, r.StdOutBytes);
        Assert.True((await host.WaitForSessionEndAsync()).KeyExchangeCount > 8);
    }

    [Theory]
    [InlineData("zlib@openssh.com")]
    [InlineData("zlib")]
    public async Task CompressionRoundTrip(string method)
    {
        await using var host = TestHost.CreateFull(TestKeys.Instance, o => o.Compressions = ["none", method]);
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"line {i} of compressible text\n")));
        var random = RandomNumberGenerator.GetBytes(1 << 20);
        byte[] data = [.. text, .. random];
        var r = await OpenSsh.RunAsync(host.Port, "alice", "cat", ["Compression=yes"], stdin: data);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(data, r.StdOutBytes);
        Assert.Equal(method, (await host.WaitForSessionEndAsync()).Algorithms!.CompressionClientToServer);
    }

    [Fact]
    public async Task CompressionSurvivesRekeying()
    {
        // Both sides restart the zlib stream at every NEWKEYS; a mismatch would corrupt the data.
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 400_000).Select(i => $"row {i % 977} {i}\n")));
        var r = await OpenSsh.RunAsync(Host.Port, "alice", "cat", ["Compression=yes", "RekeyLimit=256K"], stdin: text);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(text, r.StdOutBytes);
        var s = await Host.WaitForSessionEndAsync();
        Assert.Equal("zlib@openssh.com", s.Algorithms!.CompressionClientToServer);
        Assert.True(s.KeyExchangeCount > 3, $"{s.KeyExchangeCount} key exchanges");
    }

    [Fact]
    public async Task SeveralChannelsOverOneConnection()
    {
        // OpenSSH multiplexing opens several session channels on one connection.
        var dir = Path.Combine(Path.GetTempPath(), "wharf-mux-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var control = Path.Combine(dir, "c");
        string[] mux = [$"ControlPath={control}", "ControlMaster=auto", "ControlPersist=20"];
        try
        {
            var first = await OpenSsh.RunAsync(Host.Port, "alice", "echo first", mux);
            Assert.True(first.ExitCode == 0, first.StdErr);
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => OpenSsh.RunAsync(Host.Port, "alice", $"echo ch{i}", mux)));
            for (int i = 0; i < results.Length; i++)
            {
                Assert.True(results[i].ExitCode == 0, results[i].StdErr);
                Assert.Equal($"ch{i}\n", results[i].StdOut);
            }

            // All of it went over the one master connection.
            Assert.Single(Host.Server.Sessions);
        }
        finally
        {
            await ProcessRunner.RunAsync("ssh", ["-F", "/dev/null", "-o", $"ControlPath={control}", "-O", "exit", "x"]);
            Directory.Delete(dir, true);
        }
    }
}
