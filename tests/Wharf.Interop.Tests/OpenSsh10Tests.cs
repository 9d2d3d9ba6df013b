using System.Security.Cryptography;

namespace Wharf.Interop.Tests;

/// <summary>
/// OpenSSH 10.5 (the client Debian 13, Ubuntu 25.10, Fedora and macOS ship today) against
/// `wharf serve` and `wharf portable` on their defaults: a post-quantum key exchange is
/// negotiated and the client prints no "not using a post-quantum key exchange" warning. The
/// OpenSSH 9.2 tests elsewhere keep the older generation covered.
/// </summary>
public sealed class OpenSsh10Tests(ServeFixture f) : IClassFixture<ServeFixture>, IDisposable
{
    private const string Warning = "not using a post-quantum key exchange algorithm";

    private readonly string _dir = Directory.CreateTempSubdirectory("wharf-ossh10-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Pub => File.ReadAllText(TestKeys.Instance.UserKeyPath("ed25519") + ".pub").Trim();

    /// <summary>Puts and gets a random file with OpenSSH 10.5's sftp at LogLevel DEBUG1 and checks both copies.</summary>
    private async Task<string> RoundTripAsync(int port, string user, string remoteHome, int size, params string[] options)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var name = "f-" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllBytesAsync(Path.Combine(_dir, name), data);
        var r = await OpenSsh.SftpBatchAsync(port, user, [$"put {name}", $"get {name} {name}.back"], options,
            workingDirectory: _dir, openSshDir: OpenSsh10.Dir, logLevel: "DEBUG1");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var expected = Convert.ToHexString(SHA256.HashData(data));
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(remoteHome, name)))));
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_dir, name + ".back")))));
        return r.StdErr;
    }

    [Fact]
    public async Task TheClientIsOpenSsh10()
    {
        var r = await ProcessRunner.RunAsync(Path.Combine(OpenSsh10.Dir, "ssh"), ["-V"]);
        Assert.StartsWith("OpenSSH_10.5", r.StdErr);
    }

    [Fact]
    public async Task ServeOnDefaultsNegotiatesMlKemAndPrintsNoWarning()
    {
        var home = await f.AddUserAsync("pq-default", "--public-key", Pub);
        var log = await RoundTripAsync(f.Port, "pq-default", home, (5 << 20) + 3);
        Assert.Contains("kex: algorithm: mlkem768x25519-sha256", log);
        Assert.DoesNotContain(Warning, log);
    }

    [Fact]
    public async Task PortableOnDefaultsNegotiatesMlKemAndPrintsNoWarning()
    {
        var served = Directory.CreateDirectory(Path.Combine(_dir, "served")).FullName;
        await using var w = await PortableProcess.StartAsync(Path.Combine(_dir, "config"),
            "-d", served, "-u", "pq", "-k", Pub, "-g", "*", "--listen-address", "127.0.0.1");
        var log = await RoundTripAsync(w.Port, "pq", served, (2 << 20) + 7);
        Assert.Contains("kex: algorithm: mlkem768x25519-sha256", log);
        Assert.DoesNotContain(Warning, log);
    }

    [Theory]
    [InlineData("mlkem768x25519-sha256")]
    [InlineData("sntrup761x25519-sha512")]
    [InlineData("sntrup761x25519-sha512@openssh.com")]
    public async Task EachPostQuantumMethodWorksByName(string kex)
    {
        var user = "pq-" + kex.Replace('@', '-').Replace('.', '-');
        var home = await f.AddUserAsync(user, "--public-key", Pub);
        var log = await RoundTripAsync(f.Port, user, home, (1 << 20) + 13, "KexAlgorithms=" + kex);
        Assert.Contains("kex: algorithm: " + kex, log);
    }

    /// <summary>
    /// The warning the tests above look for is real: a server offering only classic methods gets
    /// it from this same client (OpenSSH prints it only when the user did not choose KexAlgorithms).
    /// </summary>
    [Fact]
    public async Task AServerWithoutPostQuantumMethodsGetsTheWarning()
    {
        var config = Directory.CreateDirectory(Path.Combine(_dir, "classic")).FullName;
        var home = Directory.CreateDirectory(Path.Combine(_dir, "classic-home")).FullName;
        await File.WriteAllTextAsync(Path.Combine(config, "wharf.yaml"), """
            sftpd:
              bind_address: 127.0.0.1
              kex_algorithms: [curve25519-sha256]
            data_provider:
              driver: sqlite
              name: wharf.db
            """);
        var add = await ServeFixture.UserAsync(config, "add", "--username", "classic", "--home-dir", home, "--public-key", Pub);
        Assert.True(add.ExitCode == 0, add.StdOut + add.StdErr);
        var (process, port) = await ServeFixture.StartServeAsync(config, new Dictionary<string, string> { ["WHARF_SFTPD__BIND_PORT"] = "0" });
        try
        {
            var log = await RoundTripAsync(port, "classic", home, 4096);
            Assert.Contains("kex: algorithm: curve25519-sha256", log);
            Assert.Contains(Warning, log);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
