using System.Globalization;

namespace Wharf.Interop.Tests;

/// <summary>
/// An ECDSA host key on request, for clients that know no other modern type (JSch 0.1.54: ssh-rsa
/// with SHA-1 and ECDSA only): sftpd.host_keys in `serve`, --host-key in `portable`, with
/// SFTPGo's rule that a missing id_rsa / id_ecdsa / id_ed25519 at an absolute path is generated.
/// </summary>
public sealed class HostKeyConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-hostkeys-" + Guid.NewGuid().ToString("N")[..8]);

    public HostKeyConfigTests() => Directory.CreateDirectory(Path.Combine(_dir, "config"));

    public void Dispose() => Directory.Delete(_dir, true);

    private string ConfigDir => Path.Combine(_dir, "config");

    private string KeyDir => Path.Combine(_dir, "keys"); // absolute, and not there yet

    /// <summary>
    /// OpenSSH with nothing but ecdsa-sha2-nistp256 for the host key and strict checking against
    /// a known_hosts holding exactly <paramref name="publicKeyLine"/>: it connects only if the
    /// server signs with that very key.
    /// </summary>
    private async Task<ProcessRunner.Result> SshWithKnownEcdsaKeyAsync(int port, string user, string publicKeyLine)
    {
        var knownHosts = Path.Combine(_dir, "known_hosts-" + Guid.NewGuid().ToString("N")[..6]);
        var fields = publicKeyLine.Split(' ');
        await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{port} {fields[0]} {fields[1]}\n");
        return await ProcessRunner.RunAsync("ssh", [
            "-F", "/dev/null", "-p", port.ToString(CultureInfo.InvariantCulture),
            "-o", "HostKeyAlgorithms=ecdsa-sha2-nistp256", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-o", "LogLevel=ERROR", "-i", TestKeys.Instance.UserKeyPath("ed25519"), user + "@127.0.0.1", "pwd"],
            env: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" }, timeout: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task ServeGeneratesPersistsAndOffersTheEcdsaKeyListedInHostKeys()
    {
        var ecdsa = Path.Combine(KeyDir, "id_ecdsa");
        var ed25519 = Path.Combine(KeyDir, "id_ed25519");
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), $"""
            sftpd:
              bind_address: 127.0.0.1
              host_keys: ["{ed25519}", "{ecdsa}"]
            """);
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        var add = await ServeFixture.UserAsync(ConfigDir, "add", "--username", "jsch", "--home-dir", Path.Combine(_dir, "home"), "--public-key", pub);
        Assert.True(add.ExitCode == 0, add.StdErr);

        var env = new Dictionary<string, string> { ["WHARF_SFTPD__BIND_PORT"] = "0" };
        var (serve, port) = await ServeFixture.StartServeAsync(ConfigDir, env);
        string firstKey;
        try
        {
            foreach (var file in new[] { ecdsa, ed25519 })
            {
                Assert.True(File.Exists(file), file);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                Assert.True(File.Exists(file + ".pub"), file + ".pub");
            }

            firstKey = await File.ReadAllTextAsync(ecdsa);
            var line = (await File.ReadAllTextAsync(ecdsa + ".pub")).Trim();
            Assert.StartsWith("ecdsa-sha2-nistp256 ", line);
            var r = await SshWithKnownEcdsaKeyAsync(port, "jsch", line);
            Assert.True(r.ExitCode == 0, r.StdErr);
            Assert.Equal("/\n", r.StdOut);
            Assert.Contains("generating a ecdsa-sha2-nistp256 key", await File.ReadAllTextAsync(Path.Combine(ConfigDir, "wharf.log")));
        }
        finally
        {
            serve.Kill();
            await serve.WaitForExitAsync();
            serve.Dispose();
        }

        // Started again, it loads the same key rather than making a new one.
        (serve, port) = await ServeFixture.StartServeAsync(ConfigDir, env);
        try
        {
            Assert.Equal(firstKey, await File.ReadAllTextAsync(ecdsa));
            var r = await SshWithKnownEcdsaKeyAsync(port, "jsch", (await File.ReadAllTextAsync(ecdsa + ".pub")).Trim());
            Assert.True(r.ExitCode == 0, r.StdErr);
        }
        finally
        {
            serve.Kill();
            await serve.WaitForExitAsync();
            serve.Dispose();
        }
    }

    [Fact]
    public async Task ARelativeOrOtherwiseNamedMissingHostKeyIsAnError()
    {
        // SFTPGo generates only absolute id_rsa / id_ecdsa / id_ed25519 paths.
        foreach (var entry in new[] { "id_ecdsa", Path.Combine(KeyDir, "ecdsa_key") })
        {
            await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), $"sftpd:\n  host_keys: [\"{entry}\"]\n");
            var r = await ProcessRunner.RunAsync("dotnet", [ServeFixture.WharfDll(), "serve", "--config-dir", ConfigDir], timeout: TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("sftpd.host_keys.0", r.StdErr);
            Assert.Contains("does not exist", r.StdErr);
        }

        Assert.False(Directory.Exists(KeyDir));
    }

    [Fact]
    public async Task PortableHostKeyFlagGeneratesAndOffersAnEcdsaKey()
    {
        var ecdsa = Path.Combine(KeyDir, "id_ecdsa");
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        Directory.CreateDirectory(Path.Combine(_dir, "served"));
        await using var w = await PortableProcess.StartAsync(ConfigDir, "-d", Path.Combine(_dir, "served"), "-u", "jsch", "-k", pub,
            "--listen-address", "127.0.0.1", "--host-key", ecdsa);
        Assert.Matches(@"host keys: ecdsa-sha2-nistp256 SHA256:\S+\n", w.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ecdsa));
        Assert.False(File.Exists(Path.Combine(ConfigDir, "ssh_host_ed25519_key"))); // only what was asked for
        var r = await SshWithKnownEcdsaKeyAsync(w.Port, "jsch", (await File.ReadAllTextAsync(ecdsa + ".pub")).Trim());
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("/\n", r.StdOut);
    }
}
