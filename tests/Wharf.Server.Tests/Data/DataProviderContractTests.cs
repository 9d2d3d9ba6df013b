using Wharf.Server.Accounts;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

/// <summary>The behaviour every <see cref="IDataProvider"/> must have; one subclass per driver.</summary>
public abstract class DataProviderContractTests : IAsyncLifetime
{
    private readonly List<IDataProvider> _opened = [];

    protected IDataProvider Provider { get; private set; } = null!;

    /// <summary>A fresh, empty, uninitialised store; the function opens a provider (a "node") on it.</summary>
    protected abstract Task<Func<IDataProvider>> NewStoreAsync();

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async ValueTask InitializeAsync()
    {
        Provider = Track((await NewStoreAsync())());
        await Provider.InitializeAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _opened)
        {
            await p.DisposeAsync();
        }

        await CleanupAsync();
        GC.SuppressFinalize(this);
    }

    protected IDataProvider Track(IDataProvider provider)
    {
        _opened.Add(provider);
        return provider;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_then_get_round_trips_every_property()
    {
        var user = TestUsers.Make("alice");
        user.UsedQuotaSize = 5;
        user.UsedQuotaFiles = 2;
        user.LastLogin = 123;
        var added = await Provider.AddUserAsync(user, Ct);
        Assert.True(added.Id > 0);

        var read = await Provider.GetUserAsync("alice", Ct);
        Assert.NotNull(read);
        Assert.Equal(added.Id, read.Id);
        Assert.Equal(TestUsers.Json(user), TestUsers.Json(read));
        Assert.Null(await Provider.GetUserAsync("nobody", Ct));
        Assert.Null(await Provider.GetUserAsync("ALICE", Ct));
    }

    [Fact]
    public async Task Returned_users_are_copies()
    {
        var user = TestUsers.Make("copy");
        await Provider.AddUserAsync(user, Ct);
        user.PublicKeys.Clear();
        var read = (await Provider.GetUserAsync("copy", Ct))!;
        read.Permissions["/x"] = ["list"];
        Assert.Single((await Provider.GetUserAsync("copy", Ct))!.PublicKeys);
        Assert.DoesNotContain("/x", (await Provider.GetUserAsync("copy", Ct))!.Permissions.Keys);
    }

    [Fact]
    public async Task Ids_are_distinct()
    {
        var a = await Provider.AddUserAsync(TestUsers.Make("a"), Ct);
        var b = await Provider.AddUserAsync(TestUsers.Make("b"), Ct);
        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task Duplicate_username_is_a_conflict()
    {
        await Provider.AddUserAsync(TestUsers.Make("dup"), Ct);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => Provider.AddUserAsync(TestUsers.Make("dup"), Ct));
        Assert.Equal(DataProviderError.Conflict, ex.Error);
        Assert.Equal("username", ex.Field);
    }

    [Fact]
    public async Task Update_replaces_properties_but_keeps_used_quota_and_last_login()
    {
        await Provider.AddUserAsync(TestUsers.Make("bob"), Ct);
        await Provider.UpdateQuotaAsync("bob", 100, 3, false, Ct);
        await Provider.UpdateLastLoginAsync("bob", Ct);
        var before = (await Provider.GetUserAsync("bob", Ct))!;

        var changed = TestUsers.Make("bob");
        changed.Password = null;
        changed.PublicKeys = [TestUsers.Key, TestUsers.Key + "2"];
        changed.Status = 0;
        changed.HomeDir = "/data/bob";
        changed.Permissions = new() { ["/"] = ["*"] };
        changed.AllowedIp = [];
        changed.DeniedIp = ["10.0.0.0/8"];
        changed.QuotaSize = 7;
        changed.UsedQuotaSize = 999_999;
        changed.LastLogin = 1;
        await Provider.UpdateUserAsync(changed, Ct);

        var after = (await Provider.GetUserAsync("bob", Ct))!;
        Assert.Equal(before.Id, after.Id);
        Assert.Null(after.Password);
        Assert.Equal(2, after.PublicKeys.Count);
        Assert.Equal(0, after.Status);
        Assert.Equal("/data/bob", after.HomeDir);
        Assert.Equal(["*"], after.Permissions["/"]);
        Assert.Single(after.Permissions);
        Assert.Empty(after.AllowedIp);
        Assert.Equal(["10.0.0.0/8"], after.DeniedIp);
        Assert.Equal(7, after.QuotaSize);
        Assert.Equal(100, after.UsedQuotaSize);
        Assert.Equal(3, after.UsedQuotaFiles);
        Assert.Equal(before.LastLogin, after.LastLogin);
        Assert.Equal(before.LastQuotaUpdate, after.LastQuotaUpdate);
    }

    [Fact]
    public async Task Update_of_unknown_user_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => Provider.UpdateUserAsync(TestUsers.Make("ghost"), Ct));
        Assert.Equal(DataProviderError.NotFound, ex.Error);
    }

    [Fact]
    public async Task Delete_reports_whether_the_user_existed()
    {
        await Provider.AddUserAsync(TestUsers.Make("carol"), Ct);
        Assert.True(await Provider.DeleteUserAsync("carol", Ct));
        Assert.Null(await Provider.GetUserAsync("carol", Ct));
        Assert.False(await Provider.DeleteUserAsync("carol", Ct));
        await Provider.AddUserAsync(TestUsers.Make("carol"), Ct);
    }

    [Fact]
    public async Task List_pages_in_ordinal_username_order()
    {
        foreach (var name in new[] { "delta", "alpha", "Zulu", "echo", "bravo", "charlie" })
        {
            await Provider.AddUserAsync(TestUsers.Make(name), Ct);
        }

        async Task<string[]> Names(int offset, int limit, bool desc) =>
            [.. (await Provider.ListUsersAsync(offset, limit, desc, Ct)).Select(u => u.Username)];

        Assert.Equal(["Zulu", "alpha"], await Names(0, 2, false));
        Assert.Equal(["bravo", "charlie"], await Names(2, 2, false));
        Assert.Equal(["delta", "echo"], await Names(4, 2, false));
        Assert.Empty(await Names(6, 2, false));
        Assert.Equal(["echo", "delta", "charlie"], await Names(0, 3, true));
        Assert.Equal(["Zulu"], await Names(5, 10, true));
        Assert.Empty(await Names(0, 0, false));
        Assert.Equal(6, (await Provider.ListUsersAsync(0, 100, false, Ct)).Count);
        var first = (await Provider.ListUsersAsync(0, 1, false, Ct))[0];
        Assert.Equal(TestUsers.Json(TestUsers.Make("Zulu")), TestUsers.Json(first));
    }

    [Fact]
    public async Task Quota_updates_are_atomic_under_concurrency()
    {
        await Provider.AddUserAsync(TestUsers.Make("quota"), Ct);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => Provider.UpdateQuotaAsync("quota", 10, 1, false, Ct))));
        var user = (await Provider.GetUserAsync("quota", Ct))!;
        Assert.Equal(500, user.UsedQuotaSize);
        Assert.Equal(50, user.UsedQuotaFiles);
        Assert.True(user.LastQuotaUpdate > DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds());

        await Provider.UpdateQuotaAsync("quota", -100, -10, false, Ct);
        user = (await Provider.GetUserAsync("quota", Ct))!;
        Assert.Equal(400, user.UsedQuotaSize);
        Assert.Equal(40, user.UsedQuotaFiles);

        await Provider.UpdateQuotaAsync("quota", 7, 1, true, Ct);
        user = (await Provider.GetUserAsync("quota", Ct))!;
        Assert.Equal(7, user.UsedQuotaSize);
        Assert.Equal(1, user.UsedQuotaFiles);

        var ex = await Assert.ThrowsAsync<DataProviderException>(() => Provider.UpdateQuotaAsync("ghost", 1, 1, false, Ct));
        Assert.Equal(DataProviderError.NotFound, ex.Error);
    }

    [Fact]
    public async Task Last_login_is_recorded()
    {
        await Provider.AddUserAsync(TestUsers.Make("login"), Ct);
        Assert.Equal(0, (await Provider.GetUserAsync("login", Ct))!.LastLogin);
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Provider.UpdateLastLoginAsync("login", Ct);
        long at = (await Provider.GetUserAsync("login", Ct))!.LastLogin;
        Assert.InRange(at, before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => Provider.UpdateLastLoginAsync("ghost", Ct));
        Assert.Equal(DataProviderError.NotFound, ex.Error);
    }

    [Fact]
    public async Task Migrations_are_idempotent_safe_concurrently_and_recorded()
    {
        Assert.True(await Provider.IsAvailableAsync(Ct));
        Assert.Equal(SqlDataProvider.LatestSchemaVersion, await Provider.GetSchemaVersionAsync(Ct));
        await Provider.InitializeAsync(Ct);
        Assert.Equal(SqlDataProvider.LatestSchemaVersion, await Provider.GetSchemaVersionAsync(Ct));

        var open = await NewStoreAsync();
        var nodes = Enumerable.Range(0, 4).Select(_ => Track(open())).ToArray();
        Assert.Equal(0, await nodes[0].GetSchemaVersionAsync(Ct));
        await Task.WhenAll(nodes.Select(n => Task.Run(() => n.InitializeAsync(Ct))));
        foreach (var n in nodes)
        {
            Assert.Equal(SqlDataProvider.LatestSchemaVersion, await n.GetSchemaVersionAsync(Ct));
        }

        await nodes[0].InitializeAsync(Ct);
        Assert.Equal(SqlDataProvider.LatestSchemaVersion, await nodes[1].GetSchemaVersionAsync(Ct));
        await nodes[0].AddUserAsync(TestUsers.Make("after-migration"), Ct);
        await nodes[0].UpdateQuotaAsync("after-migration", 1, 1, false, Ct);
    }

    [Fact]
    public async Task Dump_and_restore_round_trip()
    {
        foreach (var name in new[] { "u1", "u2", "u3" })
        {
            await Provider.AddUserAsync(TestUsers.Make(name), Ct);
        }

        await Provider.UpdateQuotaAsync("u2", 42, 4, false, Ct);
        var dump = await DataDump.DumpAsync(Provider, Ct);
        Assert.Equal(["u1", "u2", "u3"], dump.Users.Select(u => u.Username));
        string json = dump.ToJson();
        Assert.Contains("\"users\"", json, StringComparison.Ordinal);
        Assert.Contains("\"used_quota_size\": 42", json, StringComparison.Ordinal);

        var target = Track((await NewStoreAsync())());
        await target.InitializeAsync(Ct);
        await target.AddUserAsync(WithHome(TestUsers.Make("u1"), "/old"), Ct);
        var result = await DataDump.RestoreAsync(target, DataDump.Parse(json), RestoreMode.AddAndUpdate, passwordHasher: TestUsers.Hasher, cancellationToken: Ct);
        Assert.Equal(new RestoreResult(2, 1, 0), result);
        var restored = await DataDump.DumpAsync(target, Ct);
        Assert.Equal(dump.Users.Select(TestUsers.Json), restored.Users.Select(TestUsers.Json));

        var again = await DataDump.RestoreAsync(target, DataDump.Parse(json), RestoreMode.AddOnly, passwordHasher: TestUsers.Hasher, cancellationToken: Ct);
        Assert.Equal(new RestoreResult(0, 0, 3), again);
    }

    [Fact]
    public async Task Admin_add_get_list_round_trip()
    {
        var root = TestAdmins.Make("root");
        root.LastLogin = 77;
        var added = await Provider.AddAdminAsync(root, Ct);
        Assert.True(added.Id > 0);
        var second = await Provider.AddAdminAsync(TestAdmins.Make("Ops"), Ct);
        Assert.NotEqual(added.Id, second.Id);
        await Provider.AddAdminAsync(TestAdmins.Make("alice"), Ct);

        var read = await Provider.GetAdminAsync("root", Ct);
        Assert.NotNull(read);
        Assert.Equal(added.Id, read.Id);
        Assert.Equal(TestAdmins.Json(root), TestAdmins.Json(read));
        Assert.Null(await Provider.GetAdminAsync("ROOT", Ct));
        Assert.Null(await Provider.GetAdminAsync("nobody", Ct));

        Assert.Equal(["Ops", "alice", "root"], (await Provider.ListAdminsAsync(Ct)).Select(a => a.Username));
        Assert.Empty(await Provider.ListUsersAsync(0, 10, false, Ct));
        Assert.Null(await Provider.GetUserAsync("root", Ct));

        read.Description = "changed";
        Assert.Equal(TestAdmins.Json(root), TestAdmins.Json((await Provider.GetAdminAsync("root", Ct))!));
    }

    [Fact]
    public async Task Admin_and_user_may_share_a_name_but_admins_may_not()
    {
        await Provider.AddUserAsync(TestUsers.Make("same"), Ct);
        await Provider.AddAdminAsync(TestAdmins.Make("same"), Ct);
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => Provider.AddAdminAsync(TestAdmins.Make("same"), Ct));
        Assert.Equal(DataProviderError.Conflict, ex.Error);
        Assert.Equal("username", ex.Field);
        Assert.Contains("admin 'same'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_update_replaces_properties_but_keeps_id_and_last_login()
    {
        var added = await Provider.AddAdminAsync(TestAdmins.Make("upd"), Ct);
        await Provider.UpdateAdminLastLoginAsync("upd", Ct);
        long lastLogin = (await Provider.GetAdminAsync("upd", Ct))!.LastLogin;
        Assert.NotEqual(0, lastLogin);

        var changed = new Admin
        {
            Id = 999, Username = "upd", Password = TestAdmins.OtherHash, Status = 0, Email = "new@example.org", Description = "new", LastLogin = 1,
        };
        await Provider.UpdateAdminAsync(changed, Ct);
        var after = (await Provider.GetAdminAsync("upd", Ct))!;
        Assert.Equal(added.Id, after.Id);
        Assert.Equal(TestAdmins.OtherHash, after.Password);
        Assert.Equal(0, after.Status);
        Assert.Equal("new@example.org", after.Email);
        Assert.Equal("new", after.Description);
        Assert.Equal(lastLogin, after.LastLogin);

        var ex = await Assert.ThrowsAsync<DataProviderException>(() => Provider.UpdateAdminAsync(TestAdmins.Make("ghost"), Ct));
        Assert.Equal(DataProviderError.NotFound, ex.Error);
    }

    [Fact]
    public async Task Admin_session_stamp_is_new_for_every_added_admin_and_stored_by_update()
    {
        // A caller's stamp is never taken on add: a re-created admin must not match old tokens.
        var first = await Provider.AddAdminAsync(new Admin { Username = "st", Password = TestAdmins.Hash, SessionStamp = "chosen-by-caller" }, Ct);
        Assert.NotEqual("chosen-by-caller", first.SessionStamp);
        Assert.Equal(first.SessionStamp, (await Provider.GetAdminAsync("st", Ct))!.SessionStamp);
        Assert.NotEqual(first.SessionStamp, (await Provider.AddAdminAsync(TestAdmins.Make("other"), Ct)).SessionStamp);

        Assert.True(await Provider.DeleteAdminAsync("st", Ct));
        var again = await Provider.AddAdminAsync(new Admin { Username = "st", Password = TestAdmins.Hash, SessionStamp = first.SessionStamp }, Ct);
        Assert.False(string.IsNullOrEmpty(again.SessionStamp));
        Assert.NotEqual(first.SessionStamp, again.SessionStamp);

        // Update stores the given stamp; without one (a restore) the provider picks a new one.
        var kept = (await Provider.GetAdminAsync("st", Ct))!;
        kept.Description = "changed";
        await Provider.UpdateAdminAsync(kept, Ct);
        Assert.Equal(again.SessionStamp, (await Provider.GetAdminAsync("st", Ct))!.SessionStamp);
        kept.SessionStamp = "";
        await Provider.UpdateAdminAsync(kept, Ct);
        string rotated = (await Provider.GetAdminAsync("st", Ct))!.SessionStamp;
        Assert.False(string.IsNullOrEmpty(rotated));
        Assert.NotEqual(again.SessionStamp, rotated);
        Assert.Equal(rotated, (await Provider.ListAdminsAsync(Ct)).Single(a => a.Username == "st").SessionStamp);
    }

    [Fact]
    public async Task Admin_delete_and_last_login()
    {
        await Provider.AddAdminAsync(TestAdmins.Make("gone"), Ct);
        Assert.Equal(0, (await Provider.GetAdminAsync("gone", Ct))!.LastLogin);
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Provider.UpdateAdminLastLoginAsync("gone", Ct);
        Assert.InRange((await Provider.GetAdminAsync("gone", Ct))!.LastLogin, before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);

        Assert.True(await Provider.DeleteAdminAsync("gone", Ct));
        Assert.Null(await Provider.GetAdminAsync("gone", Ct));
        Assert.False(await Provider.DeleteAdminAsync("gone", Ct));
        Assert.Empty(await Provider.ListAdminsAsync(Ct));
        var ex = await Assert.ThrowsAsync<DataProviderException>(() => Provider.UpdateAdminLastLoginAsync("gone", Ct));
        Assert.Equal(DataProviderError.NotFound, ex.Error);
        await Provider.AddAdminAsync(TestAdmins.Make("gone"), Ct);
    }

    [Fact]
    public async Task Dump_and_restore_round_trip_admins()
    {
        await Provider.AddUserAsync(TestUsers.Make("u1"), Ct);
        await Provider.AddAdminAsync(TestAdmins.Make("root"), Ct);
        var ops = TestAdmins.Make("ops");
        ops.Status = 0;
        ops.LastLogin = 1234;
        await Provider.AddAdminAsync(ops, Ct);
        var dump = await DataDump.DumpAsync(Provider, Ct);
        string json = dump.ToJson();
        Assert.Contains("\"admins\"", json, StringComparison.Ordinal);
        Assert.Equal(TestAdmins.Hash, DataDump.Parse(json).Admins.Single(a => a.Username == "root").Password);

        var target = Track((await NewStoreAsync())());
        await target.InitializeAsync(Ct);
        var old = TestAdmins.Make("root");
        old.Email = "old@example.org";
        await target.AddAdminAsync(old, Ct);
        var result = await DataDump.RestoreAsync(target, DataDump.Parse(json), RestoreMode.AddAndUpdate, passwordHasher: TestUsers.Hasher, cancellationToken: Ct);
        Assert.Equal(new RestoreResult(1, 0, 0) { AdminsAdded = 1, AdminsUpdated = 1 }, result);
        Assert.Equal(dump.Admins.Select(TestAdmins.Json), (await target.ListAdminsAsync(Ct)).Select(TestAdmins.Json));

        var again = await DataDump.RestoreAsync(target, DataDump.Parse(json), RestoreMode.AddOnly, passwordHasher: TestUsers.Hasher, cancellationToken: Ct);
        Assert.Equal(new RestoreResult(0, 0, 1) { AdminsSkipped = 2 }, again);
    }

    private static User WithHome(User user, string home)
    {
        user.HomeDir = home;
        return user;
    }
}
