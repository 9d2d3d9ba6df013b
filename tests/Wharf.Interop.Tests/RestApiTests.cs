using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wharf.Interop.Tests;

/// <summary>
/// The REST API of the real `wharf serve` executable, driven with curl, and its effect on real
/// OpenSSH sftp sessions: the admin comes from the environment at first start, the user is added
/// over HTTP, the live quota follows quota updates and scans, and a session is closed by the API.
/// </summary>
public sealed class RestApiTests : IAsyncLifetime
{
    private const string AdminPassword = "e2e-admin-password";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-rest-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _serve;
    private int _sshPort;
    private string _base = "";

    private string ConfigDir => Path.Combine(_dir, "config");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        int httpPort = ServeFixture.FreePort();
        _base = $"http://127.0.0.1:{httpPort}";
        (_serve, _sshPort) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>
        {
            ["WHARF_SFTPD__BIND_PORT"] = "0",
            ["WHARF_SFTPD__BIND_ADDRESS"] = "127.0.0.1",
            ["WHARF_HTTPD__BIND_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["WHARF_DEFAULT_ADMIN_USERNAME"] = "root-admin",
            ["WHARF_DEFAULT_ADMIN_PASSWORD"] = AdminPassword,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_serve is { HasExited: false })
        {
            _serve.Kill(entireProcessTree: true);
            await _serve.WaitForExitAsync();
        }

        _serve?.Dispose();
        Directory.Delete(_dir, true);
    }

    private sealed record CurlResult(int Status, string Body, string ContentType);

    private async Task<CurlResult> CurlAsync(string method, string path, string? token = null, string? json = null, string? basic = null)
    {
        var args = new List<string> { "-sS", "-X", method, "-o", "-", "-w", "\n%{http_code} %{content_type}", "--max-time", "60" };
        if (token is not null)
        {
            args.AddRange(["-H", "Authorization: Bearer " + token]);
        }

        if (basic is not null)
        {
            args.AddRange(["-u", basic]);
        }

        if (json is not null)
        {
            args.AddRange(["-H", "Content-Type: application/json", "--data-binary", "@-"]);
        }

        args.Add(_base + path);
        var r = await ProcessRunner.RunAsync("curl", args, json is null ? null : Encoding.UTF8.GetBytes(json), timeout: TimeSpan.FromSeconds(90));
        Assert.True(r.ExitCode == 0, $"curl {method} {path}: {r.StdErr}");
        int split = r.StdOut.LastIndexOf('\n');
        var tail = r.StdOut[(split + 1)..].Split(' ', 2);
        return new CurlResult(int.Parse(tail[0], CultureInfo.InvariantCulture), r.StdOut[..split], tail.Length > 1 ? tail[1] : "");
    }

    private async Task<JsonElement> UserAsync(string token, string name)
    {
        var r = await CurlAsync("GET", "/api/v1/users/" + name, token);
        Assert.Equal(200, r.Status);
        return JsonDocument.Parse(r.Body).RootElement.Clone();
    }

    [Fact]
    public async Task Curl_manages_a_user_that_logs_in_with_OpenSSH_and_whose_session_the_API_closes()
    {
        var ct = TestContext.Current.CancellationToken;
        var denied = await CurlAsync("GET", "/api/v1/users");
        Assert.Equal(401, denied.Status);
        Assert.StartsWith("application/problem+json", denied.ContentType, StringComparison.Ordinal);

        var tokenResponse = await CurlAsync("GET", "/api/v1/token", basic: "root-admin:" + AdminPassword);
        Assert.Equal(200, tokenResponse.Status);
        string token = JsonDocument.Parse(tokenResponse.Body).RootElement.GetProperty("access_token").GetString()!;

        string home = Path.Combine(_dir, "homes", "erin");
        string key = File.ReadAllText(TestKeys.Instance.UserKeyPath("ed25519") + ".pub").Trim();
        var add = await CurlAsync("POST", "/api/v1/users", token, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["username"] = "erin",
            ["password"] = "erin-password",
            ["public_keys"] = new[] { key },
            ["home_dir"] = home,
            ["quota_size"] = 100_000,
        }));
        Assert.True(add.Status == 201, add.Body);
        var duplicate = await CurlAsync("POST", "/api/v1/users", token, $$"""{"username":"erin","password":"x-password","home_dir":"{{home}}"}""");
        Assert.Equal(400, duplicate.Status);
        Assert.Equal("username", JsonDocument.Parse(duplicate.Body).RootElement.GetProperty("field").GetString());

        // The user logs in with OpenSSH sftp; the upload is counted.
        string local = Path.Combine(_dir, "local");
        Directory.CreateDirectory(local);
        await File.WriteAllBytesAsync(Path.Combine(local, "a.bin"), RandomNumberGenerator.GetBytes(30_000), ct);
        await File.WriteAllBytesAsync(Path.Combine(local, "b.bin"), RandomNumberGenerator.GetBytes(30_000), ct);
        var put = await OpenSsh.SftpBatchAsync(_sshPort, "erin", ["put a.bin"], workingDirectory: local);
        Assert.True(put.ExitCode == 0, put.StdErr);
        Assert.Equal(30_000, (await UserAsync(token, "erin")).GetProperty("used_quota_size").GetInt64());

        // A quota update reaches the live tracker: with 90,000 of 100,000 bytes "used", b.bin no longer fits.
        var update = await CurlAsync("PUT", "/api/v1/users/erin/quota?mode=reset", token, """{"used_quota_size":90000,"used_quota_files":1}""");
        Assert.True(update.Status == 200, update.Body);
        var refused = await OpenSsh.SftpBatchAsync(_sshPort, "erin", ["put b.bin"], workingDirectory: local);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.True(!File.Exists(Path.Combine(home, "b.bin")) || new FileInfo(Path.Combine(home, "b.bin")).Length < 30_000);

        // A scan sets it back to what is really there, and b.bin fits again.
        var scan = await CurlAsync("POST", "/api/v1/users/erin/quota-scan", token);
        Assert.Equal(202, scan.Status);
        for (int i = 0; i < 100 && (await CurlAsync("GET", "/api/v1/quota-scans", token)).Body.Contains("erin", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, ct);
        }

        long onDisk = Directory.GetFiles(home, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(onDisk, (await UserAsync(token, "erin")).GetProperty("used_quota_size").GetInt64());
        var putAgain = await OpenSsh.SftpBatchAsync(_sshPort, "erin", ["put b.bin"], workingDirectory: local);
        Assert.True(putAgain.ExitCode == 0, putAgain.StdErr);

        // An interactive sftp session stays open until the API closes it.
        var psi = new ProcessStartInfo("sftp") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-F", "/dev/null", "-P", _sshPort.ToString(CultureInfo.InvariantCulture), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", TestKeys.Instance.UserKeyPath("ed25519"), "erin@127.0.0.1" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SSH_AUTH_SOCK"] = "";
        using var session = Process.Start(psi)!;
        var stdout = session.StandardOutput.ReadToEndAsync(ct);
        var stderr = session.StandardError.ReadToEndAsync(ct);
        try
        {
            string? id = null;
            for (int i = 0; i < 150 && id is null; i++)
            {
                var list = JsonDocument.Parse((await CurlAsync("GET", "/api/v1/connections", token)).Body).RootElement;
                id = list.EnumerateArray().FirstOrDefault(c => c.GetProperty("username").GetString() == "erin" && c.GetProperty("protocol").GetString() == "SFTP") is { ValueKind: JsonValueKind.Object } c
                    ? c.GetProperty("connection_id").GetString() : null;
                if (id is null)
                {
                    await Task.Delay(100, ct);
                }
            }

            Assert.NotNull(id);
            Assert.False(session.HasExited);
            Assert.Equal(204, (await CurlAsync("DELETE", "/api/v1/connections/" + id, token)).Status);
            for (int i = 0; i < 100 && (await CurlAsync("GET", "/api/v1/connections", token)).Body.Trim() != "[]"; i++)
            {
                await Task.Delay(100, ct);
            }

            Assert.Equal("[]", (await CurlAsync("GET", "/api/v1/connections", token)).Body.Trim());

            // sftp notices at its next command: on a live session "ls" then end of input exits 0.
            await session.StandardInput.WriteLineAsync("ls");
            session.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await session.WaitForExitAsync(timeout.Token);
            Assert.True(session.ExitCode != 0, "sftp still had a session: " + await stdout + await stderr);
        }
        finally
        {
            if (!session.HasExited)
            {
                session.Kill();
            }
        }

        string log = await File.ReadAllTextAsync(Path.Combine(ConfigDir, "wharf.log"), ct);
        Assert.Contains("\"sender\":\"httpd\"", log, StringComparison.Ordinal);
        Assert.Contains("/api/v1/connections/", log, StringComparison.Ordinal);
    }
}
