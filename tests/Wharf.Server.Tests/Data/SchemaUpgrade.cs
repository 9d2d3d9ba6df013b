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
        Assert.Equal(3, await upgraded.GetSchemaVersionAsync(ct));
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
        Assert.Equal(3, await upgraded.GetSchemaVersionAsync(ct));
        Assert.Single(await upgraded.ListAdminsAsync(ct));
    }
}
