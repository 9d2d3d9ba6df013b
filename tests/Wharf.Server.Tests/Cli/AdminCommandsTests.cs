using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Wharf.Server.Cli;
using Wharf.Server.Configuration;
using Wharf.Server.Data;
using Wharf.Server.Tests.Data;

namespace Wharf.Server.Tests.Cli;

public sealed class AdminCommandsTests : IDisposable
{
    private readonly string _dir = TestUsers.NewTempDirectory();
    private readonly DataProviderConfig _config = new() { Driver = "sqlite", Name = "cli.db" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Runs the command tree as Program.cs builds it, with the real argon2id hasher.</summary>
    private async Task<(int Code, string Out, string Err)> RunWithAsync(string? stdin, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new UserCommands.CliContext
        {
            LoadConfig = (_, _) => (_config, _dir),
            Out = output,
            Error = error,
            In = new StringReader(stdin ?? ""),
            GetEnvironmentVariable = name => env is not null && env.TryGetValue(name, out var v) ? v : null,
        };
        var root = new RootCommand("test") { AdminCommands.Create(context), UserCommands.Create(context) };
        int code = await root.Parse(args).InvokeAsync(cancellationToken: Ct);
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithAsync(null, null, args);

    private async Task<AdminService> ServiceAsync()
    {
        var provider = DataProviderFactory.Create(_config, _dir);
        await provider.InitializeAsync(Ct);
        return new AdminService(provider);
    }

    [Fact]
    public async Task Add_list_passwd_disable_enable_delete_end_to_end()
    {
        var (code, output, err) = await RunWithAsync("correct horse\n", null, "admin", "add", "root", "--password-stdin", "--email", "root@example.org", "--description", "first");
        Assert.True(code == 0, err);
        Assert.StartsWith("admin 'root' added (id ", output, StringComparison.Ordinal);

        (code, _, err) = await RunWithAsync(null, new Dictionary<string, string> { [AdminCommands.PasswordVariable] = "from the env" }, "admin", "add", "ops");
        Assert.True(code == 0, err);

        var service = await ServiceAsync();
        await using (service.Provider)
        {
            string hash = (await service.GetAsync("root", Ct))!.Password;
            Assert.StartsWith("$argon2id$", hash, StringComparison.Ordinal);
            Assert.NotNull(await service.AuthenticateAsync("root", "correct horse", Ct));
            Assert.True(Wharf.Server.Accounts.Passwords.PasswordHasher.Verify("from the env", (await service.GetAsync("ops", Ct))!.Password));
        }

        (code, output, _) = await RunAsync("admin", "list");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("ops\tactive\t-\tnever", lines[0]);
        Assert.Matches(@"^root\tactive\troot@example\.org\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", lines[1]);

        (code, output, _) = await RunAsync("admin", "list", "--json");
        Assert.Equal(0, code);
        Assert.DoesNotContain("password", output, StringComparison.Ordinal);
        Assert.DoesNotContain("argon2", output, StringComparison.Ordinal);
        var list = JsonDocument.Parse(output).RootElement;
        Assert.Equal("root", list[1].GetProperty("username").GetString());
        Assert.Equal("first", list[1].GetProperty("description").GetString());

        (code, output, err) = await RunWithAsync("battery staple\n", null, "admin", "passwd", "root", "--password-stdin");
        Assert.True(code == 0, err);
        Assert.Contains("password changed", output, StringComparison.Ordinal);

        (code, output, _) = await RunAsync("admin", "disable", "root");
        Assert.Equal(0, code);
        Assert.Equal("admin 'root' disabled", output.Trim());
        (code, _, err) = await RunAsync("admin", "disable", "ops");
        Assert.Equal(UserCommands.ExitValidation, code);
        Assert.Equal("wharf: status: 'ops' is the last active admin and cannot be disabled", err.Trim());
        (code, _, err) = await RunAsync("admin", "delete", "ops");
        Assert.Equal(UserCommands.ExitValidation, code);
        Assert.StartsWith("wharf: username: 'ops' is the last active admin", err.Trim(), StringComparison.Ordinal);

        service = await ServiceAsync();
        await using (service.Provider)
        {
            Assert.Null(await service.AuthenticateAsync("root", "battery staple", Ct));
        }

        (code, output, _) = await RunAsync("admin", "enable", "root");
        Assert.Equal(0, code);
        Assert.Equal("admin 'root' enabled", output.Trim());
        service = await ServiceAsync();
        await using (service.Provider)
        {
            Assert.NotNull(await service.AuthenticateAsync("root", "battery staple", Ct));
            Assert.Null(await service.AuthenticateAsync("root", "correct horse", Ct));
        }

        (code, output, _) = await RunAsync("admin", "delete", "ops");
        Assert.Equal(0, code);
        Assert.Equal("admin 'ops' deleted", output.Trim());
        (code, _, err) = await RunAsync("admin", "delete", "ops");
        Assert.Equal(UserCommands.ExitNotFound, code);
        Assert.Equal("wharf: admin 'ops' does not exist", err.Trim());
    }

    [Fact]
    public async Task Bad_input_is_one_line_and_exit_code_2()
    {
        var (code, _, err) = await RunAsync("admin", "add", "root");
        Assert.Equal(2, code);
        Assert.Equal("wharf: password: give it on standard input with --password-stdin or in WHARF_ADMIN_PASSWORD (never on the command line)", err.Trim());

        (code, _, err) = await RunWithAsync("", null, "admin", "add", "root", "--password-stdin");
        Assert.Equal(2, code);
        Assert.StartsWith("wharf: password: --password-stdin given", err.Trim(), StringComparison.Ordinal);

        (code, _, err) = await RunWithAsync("short\n", null, "admin", "add", "root", "--password-stdin");
        Assert.Equal(2, code);
        Assert.Equal("wharf: password: must be at least 8 characters", err.Trim());

        (code, _, err) = await RunWithAsync("long enough\n", null, "admin", "add", "a/b", "--password-stdin");
        Assert.Equal(2, code);
        Assert.StartsWith("wharf: username:", err.Trim(), StringComparison.Ordinal);

        (code, _, err) = await RunWithAsync("long enough\n", null, "admin", "add", "root", "--password-stdin", "--email", "nope");
        Assert.Equal(2, code);
        Assert.StartsWith("wharf: email:", err.Trim(), StringComparison.Ordinal);

        (code, _, _) = await RunWithAsync("long enough\n", null, "admin", "add", "root", "--password-stdin");
        Assert.Equal(0, code);
        (code, _, err) = await RunWithAsync("long enough\n", null, "admin", "add", "root", "--password-stdin");
        Assert.Equal(UserCommands.ExitConflict, code);
        Assert.Equal("wharf: admin 'root' already exists", err.Trim());

        (code, _, err) = await RunWithAsync("short\n", null, "admin", "passwd", "root", "--password-stdin");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));

        (code, _, _) = await RunWithAsync("long enough\n", null, "admin", "passwd", "ghost", "--password-stdin");
        Assert.Equal(UserCommands.ExitNotFound, code);
        (code, _, _) = await RunAsync("admin", "enable", "ghost");
        Assert.Equal(UserCommands.ExitNotFound, code);

        // A password on the command line is not an option at all.
        (code, _, _) = await RunAsync("admin", "add", "eve", "--password", "long enough");
        Assert.NotEqual(0, code);
        (code, _, _) = await RunAsync("admin", "delete");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public async Task Real_executable_reads_the_password_from_stdin()
    {
        string dll = WharfDll();

        async Task<(int Code, string Out, string Err)> Wharf(string? stdin, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(dll);
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            psi.ArgumentList.Add("--config-dir");
            psi.ArgumentList.Add(_dir);
            psi.Environment.Remove(AdminCommands.PasswordVariable);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(Ct);
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout, await stderr);
        }

        var (code, output, err) = await Wharf("s3cret-admin\n", "admin", "add", "boss", "--password-stdin");
        Assert.True(code == 0, err);
        Assert.Contains("admin 'boss' added", output, StringComparison.Ordinal);

        (code, output, _) = await Wharf(null, "admin", "list");
        Assert.Equal(0, code);
        Assert.StartsWith("boss\tactive", output, StringComparison.Ordinal);

        (code, _, err) = await Wharf(null, "admin", "add", "other");
        Assert.Equal(2, code);
        Assert.StartsWith("wharf: password:", err, StringComparison.Ordinal);

        // The default config dir database: wharf.db.
        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "sqlite", Name = "wharf.db" }, _dir);
        await provider.InitializeAsync(Ct);
        Assert.NotNull(await new AdminService(provider).AuthenticateAsync("boss", "s3cret-admin", Ct));
    }

    [Fact]
    public async Task User_import_restores_the_admins_of_a_dump()
    {
        var dump = new DataDump { Users = [TestUsers.Make("u")], Admins = [TestAdmins.Make("root"), TestAdmins.Make("ops")] };
        string file = Path.Combine(_dir, "dump.json");
        await File.WriteAllTextAsync(file, dump.ToJson(), Ct);
        var (code, output, err) = await RunAsync("user", "import", file);
        Assert.True(code == 0, err);
        Assert.Contains("imported 2 admins: 2 added, 0 updated, 0 skipped", output, StringComparison.Ordinal);
        (code, output, _) = await RunAsync("admin", "list");
        Assert.Equal(0, code);
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Serve_creates_the_default_admin_at_first_start_only()
    {
        var env = new Dictionary<string, string>
        {
            [AdminService.DefaultUsernameVariable] = "boss",
            [AdminService.DefaultPasswordVariable] = "short",
        };
        var (code, _, err) = await ServeAsync(env, waitFor: null);
        Assert.Equal(2, code);
        Assert.Equal("wharf: WHARF_DEFAULT_ADMIN_PASSWORD: password: must be at least 8 characters", err.Trim());

        env[AdminService.DefaultPasswordVariable] = "first password";
        string log = Path.Combine(_dir, "serve.log");
        await ServeAsync(env, waitFor: "wharf serve: SFTP on");
        Assert.Single(File.ReadAllLines(log), l => l.Contains("created the default admin", StringComparison.Ordinal) && l.Contains("boss", StringComparison.Ordinal));

        env[AdminService.DefaultPasswordVariable] = "second password";
        await ServeAsync(env, waitFor: "wharf serve: SFTP on");
        Assert.Single(File.ReadAllLines(log), l => l.Contains("created the default admin", StringComparison.Ordinal));

        await using var provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "sqlite", Name = "wharf.db" }, _dir);
        await provider.InitializeAsync(Ct);
        var service = new AdminService(provider);
        Assert.NotNull(await service.AuthenticateAsync("boss", "first password", Ct));
        Assert.Null(await service.AuthenticateAsync("boss", "second password", Ct));
        Assert.Single(await service.ListAsync(Ct));
    }

    private static string WharfDll()
    {
        string configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        string dll = Path.Combine(TestUsers.RepositoryRoot(), "src", "Wharf.Server", "bin", configuration, "net10.0", "wharf.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        return dll;
    }

    /// <summary>
    /// Runs <c>wharf serve</c> on ephemeral ports with the HTTP server off. With <paramref name="waitFor"/>
    /// it is stopped (SIGTERM) once that line appears on stdout; otherwise it is expected to exit by itself.
    /// </summary>
    private async Task<(int Code, string Out, string Err)> ServeAsync(IReadOnlyDictionary<string, string> env, string? waitFor)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { WharfDll(), "serve", "--config-dir", _dir, "--log-file-path", "serve.log" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["WHARF_SFTPD__BIND_PORT"] = "0";
        psi.Environment["WHARF_SFTPD__BIND_ADDRESS"] = "127.0.0.1";
        psi.Environment["WHARF_HTTPD__BIND_PORT"] = "0";
        foreach (var (name, value) in env)
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        var output = new System.Text.StringBuilder();
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.AppendLine(line);
                if (waitFor is not null && line.StartsWith(waitFor, StringComparison.Ordinal))
                {
                    // SIGTERM: serve stops cleanly and flushes its log.
                    using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                    await kill.WaitForExitAsync(timeout.Token);
                    break;
                }
            }

            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(waitFor is null || output.ToString().Contains(waitFor, StringComparison.Ordinal), $"serve did not print '{waitFor}': {output}{await stderr}");
        return (process.ExitCode, output.ToString(), await stderr);
    }
}
