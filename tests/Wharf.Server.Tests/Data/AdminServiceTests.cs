using Wharf.Server.Accounts;
using Wharf.Server.Accounts.Passwords;
using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

/// <summary>AdminService over a real SQLite database, with the real argon2id hasher.</summary>
public sealed class AdminServiceTests : IAsyncLifetime
{
    private readonly string _dir = TestUsers.NewTempDirectory();
    private IDataProvider _provider = null!;
    private AdminService _service = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _provider = DataProviderFactory.Create(new DataProviderConfig { Driver = "sqlite", Name = "admins.db" }, _dir);
        await _provider.InitializeAsync(Ct);
        _service = new AdminService(_provider);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static Admin New(string name, string password = "correct horse", int status = 1, string email = "") =>
        new() { Username = name, Password = password, Status = status, Email = email };

    [Theory]
    [InlineData("", "correct horse", 1, "", "username")]
    [InlineData("a/b", "correct horse", 1, "", "username")]
    [InlineData("..", "correct horse", 1, "", "username")]
    [InlineData("tab\there", "correct horse", 1, "", "username")]
    [InlineData("ann", "", 1, "", "password")]
    [InlineData("ann", "1234567", 1, "", "password")]
    [InlineData("ann", "correct horse", 2, "", "status")]
    [InlineData("ann", "correct horse", -1, "", "status")]
    [InlineData("ann", "correct horse", 1, "not-an-address", "email")]
    [InlineData("ann", "correct horse", 1, "ann@", "email")]
    [InlineData("ann", "correct horse", 1, "a b@example.org", "email")]
    [InlineData("ann", "correct horse", 1, "Ann <ann@example.org>", "email")]
    [InlineData("ann", "correct horse", 1, "ann@@example.org", "email")]
    public async Task Bad_admins_are_refused_naming_the_field(string username, string password, int status, string email, string field)
    {
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.AddAsync(New(username, password, status, email), Ct));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal(field, ex.Field);
        Assert.StartsWith(field + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await _provider.ListAdminsAsync(Ct));
    }

    [Fact]
    public async Task Oversized_password_and_description_are_refused()
    {
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.AddAsync(New("ann", new string('p', 1025)), Ct));
        Assert.Equal("password", ex.Field);
        var admin = New("ann");
        admin.Description = new string('d', 1025);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.AddAsync(admin, Ct));
        Assert.Equal("description", ex.Field);
    }

    [Fact]
    public async Task Passwords_are_stored_as_argon2id_never_plain_and_hashes_as_is()
    {
        var added = await _service.AddAsync(New("ann", "correct horse", email: "ann@example.org"), Ct);
        var stored = (await _provider.GetAdminAsync("ann", Ct))!;
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", stored.Password, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse", stored.Password, StringComparison.Ordinal);
        Assert.Equal(stored.Password, added.Password);
        Assert.True(PasswordHasher.Verify("correct horse", stored.Password));
        Assert.Equal("ann@example.org", stored.Email);

        // An imported hash is stored as is, without the plain-text length rule.
        await _service.AddAsync(New("bcrypt", TestAdmins.OtherHash), Ct);
        Assert.Equal(TestAdmins.OtherHash, (await _provider.GetAdminAsync("bcrypt", Ct))!.Password);

        var dup = await Assert.ThrowsAsync<DataProviderException>(() => _service.AddAsync(New("ann"), Ct));
        Assert.Equal(DataProviderError.Conflict, dup.Error);
    }

    [Fact]
    public async Task Authenticate_succeeds_only_for_an_active_admin_with_the_right_password()
    {
        await _service.AddAsync(New("ann"), Ct);
        await _service.AddAsync(New("off", status: 0), Ct);
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var ok = await _service.AuthenticateAsync("ann", "correct horse", Ct);
        Assert.NotNull(ok);
        Assert.Equal("ann", ok.Username);
        Assert.InRange((await _provider.GetAdminAsync("ann", Ct))!.LastLogin, before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
        Assert.InRange(ok.LastLogin, before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);

        Assert.Null(await _service.AuthenticateAsync("ann", "correct hors", Ct));
        Assert.Null(await _service.AuthenticateAsync("ann", "", Ct));
        Assert.Null(await _service.AuthenticateAsync("ANN", "correct horse", Ct));
        Assert.Null(await _service.AuthenticateAsync("nobody", "correct horse", Ct));
        Assert.Null(await _service.AuthenticateAsync("", "correct horse", Ct));
        Assert.Null(await _service.AuthenticateAsync("ann", new string('x', 100_000), Ct));
        Assert.Null(await _service.AuthenticateAsync("off", "correct horse", Ct));
        Assert.Equal(0, (await _provider.GetAdminAsync("off", Ct))!.LastLogin);

        Assert.NotNull(await _service.GetActiveAdminAsync("ann", Ct));
        Assert.Null(await _service.GetActiveAdminAsync("off", Ct));
        Assert.Null(await _service.GetActiveAdminAsync("nobody", Ct));
        Assert.Null(await _service.GetActiveAdminAsync("", Ct));

        await _service.SetStatusAsync("off", 1, Ct);
        Assert.NotNull(await _service.AuthenticateAsync("off", "correct horse", Ct));
        await _service.SetStatusAsync("ann", 0, Ct);
        Assert.Null(await _service.AuthenticateAsync("ann", "correct horse", Ct));
        Assert.Null(await _service.GetActiveAdminAsync("ann", Ct));
    }

    [Fact]
    public async Task Password_and_status_changes_end_sessions_but_email_and_description_changes_do_not()
    {
        await _service.AddAsync(New("keep"), Ct);
        await _service.AddAsync(New("ann"), Ct);
        string Stamp() => _provider.GetAdminAsync("ann", Ct).GetAwaiter().GetResult()!.SessionStamp;
        string stamp = Stamp();
        Assert.NotNull(await _service.GetSessionAdminAsync("ann", stamp, Ct));
        Assert.Null(await _service.GetSessionAdminAsync("ann", "", Ct));
        Assert.Null(await _service.GetSessionAdminAsync("ann", (stamp[0] == '0' ? "1" : "0") + stamp[1..], Ct)); // one character off (never the stamp itself)

        await _service.UpdateAsync(new Admin { Username = "ann", Status = 1, Email = "ann@example.org", Description = "d" }, Ct);
        Assert.Equal(stamp, Stamp());

        // The same password set again still gets a new hash (new salt), so it still ends sessions.
        await _service.SetPasswordAsync("ann", "correct horse", Ct);
        Assert.NotEqual(stamp, Stamp());
        Assert.Null(await _service.GetSessionAdminAsync("ann", stamp, Ct));

        stamp = Stamp();
        await _service.SetStatusAsync("ann", 0, Ct);
        string disabled = Stamp();
        Assert.NotEqual(stamp, disabled);
        Assert.Null(await _service.GetSessionAdminAsync("ann", disabled, Ct)); // disabled: no session at all
        await _service.SetStatusAsync("ann", 1, Ct);
        Assert.NotEqual(disabled, Stamp());
        Assert.Null(await _service.GetSessionAdminAsync("ann", stamp, Ct));

        stamp = Stamp();
        Assert.True(await _service.DeleteAsync("ann", Ct));
        Assert.Null(await _service.GetSessionAdminAsync("ann", stamp, Ct));
        await _service.AddAsync(New("ann"), Ct);
        Assert.NotEqual(stamp, Stamp());
        Assert.Null(await _service.GetSessionAdminAsync("ann", stamp, Ct));
    }

    [Fact]
    public async Task The_last_active_admin_cannot_be_deleted_or_disabled()
    {
        await _service.AddAsync(New("root"), Ct);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.DeleteAsync("root", Ct));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal("username", ex.Field);
        Assert.Contains("last active admin", ex.Message, StringComparison.Ordinal);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.SetStatusAsync("root", 0, Ct));
        Assert.Equal("status", ex.Field);
        var update = New("root", "", status: 0);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.UpdateAsync(update, Ct));
        Assert.Equal("status", ex.Field);
        Assert.Equal(1, (await _provider.GetAdminAsync("root", Ct))!.Status);

        await _service.AddAsync(New("ops", status: 0), Ct);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.DeleteAsync("root", Ct));
        Assert.Equal("username", ex.Field);
        Assert.True(await _service.DeleteAsync("ops", Ct));

        await _service.AddAsync(New("ops"), Ct);
        await _service.SetStatusAsync("root", 0, Ct);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.DeleteAsync("ops", Ct));
        Assert.Equal("username", ex.Field);
        Assert.True(await _service.DeleteAsync("root", Ct));
        Assert.False(await _service.DeleteAsync("root", Ct));
        Assert.Equal(["ops"], (await _service.ListAsync(Ct)).Select(a => a.Username));
    }

    [Fact]
    public async Task Concurrent_deletes_of_the_last_two_active_admins_leave_one()
    {
        var other = new AdminService(_provider);
        for (int round = 0; round < 10; round++)
        {
            foreach (var left in await _provider.ListAdminsAsync(Ct))
            {
                await _provider.DeleteAdminAsync(left.Username, Ct);
            }

            await _service.AddAsync(New("a", TestAdmins.Hash), Ct);
            await _service.AddAsync(New("b", TestAdmins.Hash), Ct);
            var results = await Task.WhenAll(
                Attempt(() => _service.DeleteAsync("a", Ct)),
                Attempt(() => other.DeleteAsync("b", Ct)));
            Assert.Equal(1, results.Count(deleted => deleted));
            Assert.Single(await _provider.ListAdminsAsync(Ct));
        }

        static async Task<bool> Attempt(Func<Task<bool>> delete)
        {
            try
            {
                return await Task.Run(delete);
            }
            catch (DataProviderException ex) when (ex.Field == "username")
            {
                return false;
            }
        }
    }

    [Fact]
    public async Task Update_with_no_password_keeps_the_stored_hash_and_passwd_replaces_it()
    {
        await _service.AddAsync(New("ann"), Ct);
        string hash = (await _provider.GetAdminAsync("ann", Ct))!.Password;
        await _service.UpdateAsync(new Admin { Username = "ann", Status = 1, Email = "ann@example.org", Description = "ops" }, Ct);
        var stored = (await _provider.GetAdminAsync("ann", Ct))!;
        Assert.Equal(hash, stored.Password);
        Assert.Equal("ops", stored.Description);

        await _service.SetPasswordAsync("ann", "battery staple", Ct);
        Assert.NotNull(await _service.AuthenticateAsync("ann", "battery staple", Ct));
        Assert.Null(await _service.AuthenticateAsync("ann", "correct horse", Ct));

        var ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.SetPasswordAsync("ann", "short", Ct));
        Assert.Equal("password", ex.Field);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.SetPasswordAsync("ghost", "long enough", Ct));
        Assert.Equal(DataProviderError.NotFound, ex.Error);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.UpdateAsync(New("ghost"), Ct));
        Assert.Equal(DataProviderError.NotFound, ex.Error);
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.SetStatusAsync("ann", 5, Ct));
        Assert.Equal("status", ex.Field);
    }

    [Fact]
    public async Task Default_admin_is_created_once_from_the_environment()
    {
        var none = new Dictionary<string, string?>();
        Assert.Null(await _service.EnsureDefaultAdminAsync(none, Ct));
        Assert.Empty(await _provider.ListAdminsAsync(Ct));

        var env = new Dictionary<string, string?>
        {
            [AdminService.DefaultUsernameVariable] = "admin",
            [AdminService.DefaultPasswordVariable] = "first password",
        };
        var created = await _service.EnsureDefaultAdminAsync(env, Ct);
        Assert.NotNull(created);
        Assert.Equal("admin", created.Username);
        var stored = (await _provider.GetAdminAsync("admin", Ct))!;
        Assert.StartsWith("$argon2id$", stored.Password, StringComparison.Ordinal);
        Assert.Equal(1, stored.Status);
        Assert.NotNull(await _service.AuthenticateAsync("admin", "first password", Ct));

        env[AdminService.DefaultPasswordVariable] = "second password";
        Assert.Null(await _service.EnsureDefaultAdminAsync(env, Ct));
        env[AdminService.DefaultUsernameVariable] = "another";
        Assert.Null(await _service.EnsureDefaultAdminAsync(env, Ct));
        Assert.Equal(["admin"], (await _provider.ListAdminsAsync(Ct)).Select(a => a.Username));
        Assert.NotNull(await _service.AuthenticateAsync("admin", "first password", Ct));
        Assert.Null(await _service.AuthenticateAsync("admin", "second password", Ct));

        // Only "no admins at all" counts: a disabled admin (set behind the service's back) is enough.
        var disabled = (await _provider.GetAdminAsync("admin", Ct))!;
        disabled.Status = 0;
        await _provider.UpdateAdminAsync(disabled, Ct);
        Assert.Null(await _service.EnsureDefaultAdminAsync(env, Ct));
        Assert.Single(await _provider.ListAdminsAsync(Ct));
    }

    [Fact]
    public async Task Default_admin_with_a_bad_environment_is_a_clear_error()
    {
        var shortPassword = new Dictionary<string, string?>
        {
            [AdminService.DefaultUsernameVariable] = "admin",
            [AdminService.DefaultPasswordVariable] = "short",
        };
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.EnsureDefaultAdminAsync(shortPassword, Ct));
        Assert.Equal(DataProviderError.Validation, ex.Error);
        Assert.Equal("password", ex.Field);
        Assert.Equal("WHARF_DEFAULT_ADMIN_PASSWORD: password: must be at least 8 characters", ex.Message);

        var onlyName = new Dictionary<string, string?> { [AdminService.DefaultUsernameVariable] = "admin" };
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.EnsureDefaultAdminAsync(onlyName, Ct));
        Assert.StartsWith("WHARF_DEFAULT_ADMIN_PASSWORD: required", ex.Message, StringComparison.Ordinal);

        var badName = new Dictionary<string, string?>
        {
            [AdminService.DefaultUsernameVariable] = "a/b",
            [AdminService.DefaultPasswordVariable] = "long enough",
        };
        ex = await Assert.ThrowsAsync<DataProviderException>(() => _service.EnsureDefaultAdminAsync(badName, Ct));
        Assert.StartsWith("WHARF_DEFAULT_ADMIN_USERNAME: username:", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await _provider.ListAdminsAsync(Ct));
    }

    [Fact]
    public async Task Restore_refuses_a_dump_that_disables_every_active_admin()
    {
        await _service.AddAsync(New("root"), Ct);
        var disabling = new DataDump { Users = [TestUsers.Make("u")], Admins = [New("root", TestAdmins.Hash, status: 0)] };
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => DataDump.RestoreAsync(_provider, disabling, RestoreMode.AddAndUpdate, cancellationToken: Ct));
        Assert.Equal("status", ex.Field);
        Assert.Null(await _provider.GetUserAsync("u", Ct));
        Assert.Equal(1, (await _provider.GetAdminAsync("root", Ct))!.Status);

        // Add-only leaves root alone, so the same dump is fine then.
        var result = await DataDump.RestoreAsync(_provider, disabling, RestoreMode.AddOnly, cancellationToken: Ct);
        Assert.Equal(1, result.AdminsSkipped);
        Assert.Equal(1, (await _provider.GetAdminAsync("root", Ct))!.Status);

        var duplicated = new DataDump { Admins = [New("x", TestAdmins.Hash), New("x", TestAdmins.Hash)] };
        ex = await Assert.ThrowsAsync<DataProviderException>(() => DataDump.RestoreAsync(_provider, duplicated, RestoreMode.AddAndUpdate, cancellationToken: Ct));
        Assert.Equal("username", ex.Field);
    }
}
