using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

/// <summary>A database left at schema version 2 (before admins) by an older release, then opened by this one.</summary>
internal static class SchemaUpgrade
{
    public static async Task Version2DatabaseMigratesTo3Async(Func<IDataProvider> open, CancellationToken ct)
    {
        await using (var old = (SqlDataProvider)open())
        {
            await old.MigrateToAsync(2, ct);
            Assert.Equal(2, await old.GetSchemaVersionAsync(ct));
            await old.AddUserAsync(TestUsers.Make("before"), ct);
            await old.UpdateQuotaAsync("before", 5, 1, false, ct);
            var missing = await Assert.ThrowsAsync<DataProviderException>(() => old.ListAdminsAsync(ct));
            Assert.Equal(DataProviderError.Unavailable, missing.Error);
        }

        await using var upgraded = open();
        await upgraded.InitializeAsync(ct);
        Assert.Equal(SqlDataProvider.LatestSchemaVersion, await upgraded.GetSchemaVersionAsync(ct));
        var user = (await upgraded.GetUserAsync("before", ct))!;
        Assert.Equal(5, user.UsedQuotaSize);
        user.UsedQuotaSize = 0;
        user.UsedQuotaFiles = 0;
        user.LastQuotaUpdate = 0;
        Assert.Equal(TestUsers.Json(TestUsers.Make("before")), TestUsers.Json(user));

        Assert.Empty(await upgraded.ListAdminsAsync(ct));
        var admin = await new AdminService(upgraded).AddAsync(TestAdmins.Make("first"), ct);
        Assert.Equal(TestAdmins.Json(TestAdmins.Make("first")), TestAdmins.Json((await upgraded.GetAdminAsync("first", ct))!));
        Assert.True(admin.Id > 0);

        await upgraded.InitializeAsync(ct);
        Assert.Equal(SqlDataProvider.LatestSchemaVersion, await upgraded.GetSchemaVersionAsync(ct));
        Assert.Single(await upgraded.ListAdminsAsync(ct));
    }

    /// <summary>
    /// A version 3 database (admins without session stamps) with two admins: after the upgrade each
    /// has its own stamp, nothing else changed, and a password change still rotates it.
    /// </summary>
    /// <param name="open">Opens a provider on the database.</param>
    /// <param name="executeSql">Runs SQL on the database directly (this release's provider cannot write a version 3 admins table).</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task Version3AdminsGetSessionStampsAsync(Func<IDataProvider> open, Func<string, Task> executeSql, CancellationToken ct)
    {
        await using (var old = (SqlDataProvider)open())
        {
            await old.MigrateToAsync(3, ct);
        }

        foreach (var name in new[] { "one", "two" })
        {
            var a = TestAdmins.Make(name);
            await executeSql($"INSERT INTO admins (username, password, status, email, description, last_login) VALUES ('{a.Username}', '{a.Password}', 1, '{a.Email}', '{a.Description}', 0)");
        }

        await using var upgraded = open();
        await upgraded.InitializeAsync(ct);
        Assert.Equal(SqlDataProvider.LatestSchemaVersion, await upgraded.GetSchemaVersionAsync(ct));
        var one = (await upgraded.GetAdminAsync("one", ct))!;
        var two = (await upgraded.GetAdminAsync("two", ct))!;
        Assert.Equal(TestAdmins.Json(TestAdmins.Make("one")), TestAdmins.Json(one));
        Assert.Equal(32, one.SessionStamp.Length);
        Assert.Equal(32, two.SessionStamp.Length);
        Assert.NotEqual(one.SessionStamp, two.SessionStamp);

        var service = new AdminService(upgraded);
        Assert.NotNull(await service.GetSessionAdminAsync("one", one.SessionStamp, ct));
        await service.SetPasswordAsync("one", "a-new-password-1", ct);
        Assert.Null(await service.GetSessionAdminAsync("one", one.SessionStamp, ct));
    }
}
