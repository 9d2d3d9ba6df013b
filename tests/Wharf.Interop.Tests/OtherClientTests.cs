using System.Security.Cryptography;

namespace Wharf.Interop.Tests;

/// <summary>Clients other than OpenSSH: paramiko (Python) and curl (libssh2).</summary>
public sealed class OtherClientTests(FullHostFixture fixture) : IClassFixture<FullHostFixture>
{
    private TestHost Host => fixture.Host;

    /// <summary>Debian's python3 has paramiko; a pyenv python on PATH may not.</summary>
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "scripts", "paramiko_exec.py");

    [Fact]
    public async Task ParamikoWithPassword()
    {
        var r = await ProcessRunner.RunAsync(Python, [Script, Host.Port.ToString(), "alice", "password:" + TestHost.AlicePassword, "echo from paramiko"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.StartsWith("from paramiko\nexit=0 ", r.StdOut);
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("ecdsa-256")]
    [InlineData("rsa-3072")]
    public async Task ParamikoWithKey(string type)
    {
        var r = await ProcessRunner.RunAsync(Python, [Script, Host.Port.ToString(), "alice", "key:" + TestKeys.Instance.UserKeyPath(type), "exit 5"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("exit=5 ", r.StdOut);
    }

    [Fact]
    public async Task ParamikoWithWrongPasswordFails()
    {
        var r = await ProcessRunner.RunAsync(Python, [Script, Host.Port.ToString(), "alice", "password:nope", "echo x"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Authentication failed", r.StdErr);
    }

    [Fact]
    public async Task CurlDownloadsOverScp()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        Host.Files["blob.bin"] = data;
        var r = await ProcessRunner.RunAsync("curl", ["--silent", "--show-error", "--insecure", "--user", "alice:" + TestHost.AlicePassword,
            $"scp://127.0.0.1:{Host.Port}/blob.bin"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(data, r.StdOutBytes);
    }

    [Fact]
    public async Task CurlWithKeyFile()
    {
        Host.Files["small.txt"] = "hello from wharf\n"u8.ToArray();
        var key = TestKeys.Instance.UserKeyPath("ed25519");
        var r = await ProcessRunner.RunAsync("curl", ["--silent", "--show-error", "--insecure", "--user", "alice:",
            "--key", key, "--pubkey", key + ".pub", $"scp://127.0.0.1:{Host.Port}/small.txt"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("hello from wharf\n", r.StdOut);
    }

    [Fact]
    public async Task CurlRsaKeyIsRefusedBecauseLibssh2SignsWithSha1()
    {
        // libssh2 1.10 signs RSA user keys with ssh-rsa (SHA-1), which is off by default.
        var key = TestKeys.Instance.UserKeyPath("rsa-3072");
        var r = await ProcessRunner.RunAsync("curl", ["--silent", "--show-error", "--insecure", "--user", "alice:",
            "--key", key, "--pubkey", key + ".pub", $"scp://127.0.0.1:{Host.Port}/small.txt"]);
        Assert.Equal(67, r.ExitCode); // CURLE_LOGIN_DENIED
    }

    [Fact]
    public async Task CurlWithWrongPasswordFails()
    {
        var r = await ProcessRunner.RunAsync("curl", ["--silent", "--show-error", "--insecure", "--user", "alice:bad",
            $"scp://127.0.0.1:{Host.Port}/small.txt"]);
        Assert.Equal(67, r.ExitCode); // CURLE_LOGIN_DENIED
    }
}
